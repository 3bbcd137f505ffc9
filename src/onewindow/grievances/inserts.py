"""New rows written with one INSERT each, the statement built once per model, database and
row count: intake's hot path (grievances/intake.py).

Django's `save()` and `bulk_create()` rebuild the statement for every call, which cost
intake several times running it (bench/grievance_intake.py). This covers only what intake
writes: plain fields and foreign keys, primary keys from the database (RETURNING, which
SQLite 3.35+ and PostgreSQL both have); no file fields, no model signals (none are connected
to these models; `save()` stays the way for everything else).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

_statements: dict[tuple[type[Model], str, int], tuple[str, list[Field[Any, Any]]]] = {}


def _statement(
    connection: BaseDatabaseWrapper, model: type[Model], rows: int
) -> tuple[str, list[Field[Any, Any]]]:
    key = (model, connection.vendor, rows)
    found = _statements.get(key)
    if found is None:
        meta = model._meta
        quote = connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if field is not meta.pk]
        if any(field.get_internal_type() == "JSONField" for field in fields):
            raise TypeError(f"{model.__name__} has a JSON field: save it with the ORM")
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        found = (
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - identifiers only
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([row] * rows)} RETURNING {quote(meta.pk.column)}",
            fields,
        )
        _statements[key] = found
    return found


def insert(objects: Sequence[Model]) -> None:
    """Insert new instances of one model in one statement and set their primary keys.
    Related objects must be saved first (as with `save()`)."""
    if not objects:
        return
    # The wrapper itself: through the `connection` proxy every field's conversion below
    # would look the connection up again (a third of the time this function took).
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(objects[0])
    sql, fields = _statement(connection, model, len(objects))
    values: list[Any] = []
    for instance in objects:
        for field in fields:
            # A foreign key to an object saved since it was assigned takes its key now.
            if field.is_relation and getattr(instance, field.attname) is None:
                related = getattr(instance, field.name)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{field.name} of {model.__name__} is not saved yet")
                    setattr(instance, field.attname, related.pk)
        for field in fields:
            value = field.pre_save(instance, True)
            # NULL stays NULL (JSON fields, which would write JSON null, are not among these).
            values.append(None if value is None else field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        keys = cursor.fetchall()
    for instance, (key,) in zip(objects, keys, strict=True):
        instance.pk = key
        instance._state.adding = False
        instance._state.db = connection.alias

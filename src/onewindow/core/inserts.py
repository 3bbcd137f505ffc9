"""Rows of one model written with one INSERT statement, on the paths that write many per
request (a submission writes an application, its steps and their transitions).

`insert` does what `bulk_create` does for plain rows (defaults applied, primary keys set
from RETURNING) for a fraction of the Python: the statement's text is built once per model,
row count and conflict target, and values are prepared field by field. It also does what
`bulk_create` cannot: skip a row that would break a unique constraint and say so, without
the savepoint an IntegrityError would need on PostgreSQL. No signals are sent; fields whose
value comes from `pre_save` (auto_now, files) are not for this function.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@cache
def _statement(
    model: type[Model], vendor: str, rows: int, unless_exists: tuple[str, ...]
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    quote = connection.ops.quote_name
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - identifiers from the model
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([row] * rows)}"
    )
    if unless_exists:
        column_of = {field.name: field.column for field in fields}
        columns = ", ".join(quote(column_of[name]) for name in unless_exists)
        sql += f" ON CONFLICT ({columns}) DO NOTHING"
    assert meta.pk is not None
    return f"{sql} RETURNING {quote(meta.pk.column)}", fields


def insert(objects: Sequence[M], *, unless_exists: tuple[str, ...] = ()) -> bool:
    """INSERT `objects` (new instances of one model) in one statement and set their primary
    keys. With `unless_exists`, the fields of a unique constraint, an object whose row would
    break it is not written: False then (pass one object only)."""
    if not objects:
        return True
    assert not unless_exists or len(objects) == 1, "one object when skipping conflicts"
    sql, fields = _statement(type(objects[0]), connection.vendor, len(objects), unless_exists)
    values = [
        field.get_db_prep_save(getattr(obj, field.attname), connection)
        for obj in objects
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        keys = [row[0] for row in cursor.fetchall()]
    if not keys:
        return False
    # PostgreSQL and SQLite return the rows of a multi-row VALUES in their order.
    for obj, key in zip(objects, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return True

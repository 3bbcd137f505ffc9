"""The status document: what GET /api/v1/applications/{ref} answers, kept whole per
application (`StatusDocument`), so that the most frequent read of the platform is one
indexed statement and no Python to speak of.

The engine keeps it: every function that changes what an applicant sees (a transition, a
step opened or closed, a fetch answered, a delivery moved) calls `touched(application)`, and
each use case runs inside `moving()`, a `transaction.atomic()` that rebuilds the documents of
the applications it touched at its end, inside the same transaction. A change made outside
`moving()` is a programming error and raises at once, rather than leave a stale document;
nothing here hangs on a signal.

The body is the JSON text the API used to render from the models (same keys, same order,
same number and date formats, `DjangoJSONEncoder` as django-ninja renders it); the verified
fields of fetched materials stay encrypted in the row and are filled in by `read_answer` in
the reader's language.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils.translation import get_language

from onewindow.applications.models import (
    FETCHED_CONTEXT,
    Application,
    FetchedMaterial,
    StatusDocument,
    Step,
    Transition,
)
from onewindow.catalog.models import MaterialSource
from onewindow.core import personal_data
from onewindow.identity.models import Business, BusinessAgent

_moves = threading.local()


class OutsideMoving(RuntimeError):
    """An application changed outside `moving()`: its status document would go stale."""


@contextmanager
def moving(*, savepoint: bool = True) -> Iterator[None]:
    """`transaction.atomic()` for the engine's moves: at the end of the outermost block, the
    status documents of every application touched inside are rebuilt, in its transaction.
    Usable as a decorator (`@moving()`) like `transaction.atomic`, and like it without a
    savepoint inside an outer transaction (`savepoint=False`)."""
    outermost = getattr(_moves, "pending", None) is None
    if outermost:
        _moves.pending = {}
    try:
        with transaction.atomic(savepoint=savepoint):
            yield
            if outermost:
                # A move may touch the same application many times: one rebuild each, in
                # the order of their keys, so two transactions take the rows' locks alike.
                for pk in sorted(_moves.pending):
                    write(pk)
    finally:
        if outermost:
            _moves.pending = None


def touched(application: Application) -> None:
    """Note that what the applicant sees of `application` changed; raises OutsideMoving when
    no `moving()` block is open to rebuild its document."""
    pending = getattr(_moves, "pending", None)
    if pending is None:
        raise OutsideMoving(f"{application.ref} changed outside workflow.status.moving()")
    pending[application.pk] = None


# ----- building -------------------------------------------------------------------------------

APPLICATION_COLUMNS = (
    "ref", "item_version__item__code", "item_version__number", "status", "channel",
    "division__code", "receiving_division__code", "business__credit_code", "form_data",
    "delivery", "submitted_at", "due_at", "finished_at", "days_promised", "days_taken",
    "visits_promised", "visits_made", "version", "filed_ledger_index", "project_code",
)  # fmt: skip
OWNER_COLUMNS = ("applicant_id", "filed_by_id", "business_id", "item_version__materials")
STEP_COLUMNS = (
    "id", "key", "department__code", "role", "status", "due_at", "finished_at", "assignee_id",
    "escalation_level", "version",
)  # fmt: skip
TRANSITION_COLUMNS = (
    "action", "from_status", "to_status", "actor_role", "reason", "at", "ledger_index",
    "step__key",
)  # fmt: skip
FETCHED_COLUMNS = (
    "material_key", "service__code", "service__provider__code", "consumer__code", "status",
    "message__ledger_index", "data_encrypted", "service__response_fields",
)  # fmt: skip


def build(application_pk: int, *, lock: bool = False) -> StatusDocument | None:
    """The document of the application as its rows say now (None if it has no row): a few
    queries, one per kind of row, none of them through model instances. `lock` reads the
    application row FOR NO KEY UPDATE (see `write`)."""
    rows = Application.objects.filter(pk=application_pk)
    if lock and connection.features.has_select_for_update:
        rows = rows.select_for_update(no_key=True, of=("self",))
    found = rows.values_list(*APPLICATION_COLUMNS, *OWNER_COLUMNS).first()
    if found is None:
        return None
    row = dict(zip(APPLICATION_COLUMNS, found, strict=False))
    applicant_id, filed_by_id, business_id, materials = found[len(APPLICATION_COLUMNS) :]
    steps = Step.objects.filter(application_id=application_pk).order_by("opened_at", "pk")
    transitions = Transition.objects.filter(application_id=application_pk).order_by("at", "pk")
    answer: dict[str, Any] = {
        "ref": row["ref"],
        "service_code": row["item_version__item__code"],
        "service_version": row["item_version__number"],
        "status": row["status"],
        "channel": row["channel"],
        "division": row["division__code"],
        "receiving_division": row["receiving_division__code"],
        "business": row["business__credit_code"],
        "form": row["form_data"],
        **{name: row[name] for name in APPLICATION_COLUMNS[9:]},
        "steps": [_step(values) for values in steps.values_list(*STEP_COLUMNS)],
        "history": [
            dict(zip(TRANSITION_COLUMNS[:-1], values[:-1], strict=True)) | {"step": values[-1]}
            for values in transitions.values_list(*TRANSITION_COLUMNS)
        ],
        "fetched_materials": [],
    }
    sealed: list[list[Any]] = []
    # Only services with a material from the exchange ever fetch: the others skip the query.
    if any(material.get("source") == MaterialSource.EXCHANGE for material in materials):
        fetched = FetchedMaterial.objects.filter(application_id=application_pk).order_by("pk")
        for index, values in enumerate(fetched.values_list(*FETCHED_COLUMNS)):
            answer["fetched_materials"].append(_fetched(values))
            token, fields = values[-2], values[-1]
            if token:
                labels = [[f["name"], f["label_zh"], f["label_en"]] for f in fields]
                sealed.append([index, token, labels])
    return StatusDocument(
        application_id=application_pk,
        ref=row["ref"],
        applicant_id=applicant_id,
        filed_by_id=filed_by_id,
        business_id=business_id,
        body=json.dumps(answer, cls=DjangoJSONEncoder),
        fetched=json.dumps(sealed) if sealed else "",
    )


def _step(values: tuple[Any, ...]) -> dict[str, Any]:
    step = dict(zip(STEP_COLUMNS, values, strict=True))
    return {
        "id": step["id"],
        "key": step["key"],
        "department": step["department__code"],
        "role": step["role"],
        "status": step["status"],
        "due_at": step["due_at"],
        "finished_at": step["finished_at"],
        "is_held": step["assignee_id"] is not None,
        "escalation_level": step["escalation_level"],
        "version": step["version"],
    }


def _fetched(values: tuple[Any, ...]) -> dict[str, Any]:
    material, service, provider, consumer, status, ledger_index = values[:6]
    return {
        "material": material,
        "data_service": service,
        "provider": provider,
        "consumer": consumer,
        "status": status,
        "data": {},  # filled in at read time, in the reader's language (`read_answer`)
        "ledger_index": ledger_index,
    }


def write(application_pk: int) -> StatusDocument | None:
    """Rebuild the application's document and store it: one upsert.

    Not every move locks the application row first (a fetch locks its row, a delivery move
    the delivery), so two moves of one application can run side by side. The rebuild reads
    the application row FOR NO KEY UPDATE: the second builder waits for the first to commit,
    then reads what both did (READ COMMITTED), so the last document written is never older
    than a change committed before it. (SQLite writers are serialised already.)"""
    document = build(application_pk, lock=True)
    if document is None:
        return None
    StatusDocument.objects.bulk_create(
        [document],
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=["ref", "applicant", "filed_by", "business", "body", "fetched"],
    )
    return document


# ----- reading --------------------------------------------------------------------------------


def fetched_rows(token: str, fields: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """The verified fields of a fetched material as (label, value) in the reader's language,
    in the data service's order; `fields` are (name, label_zh, label_en)."""
    if not token:
        return []
    data = json.loads(personal_data.decrypt(token, context=FETCHED_CONTEXT))
    zh = (get_language() or "").startswith("zh")
    return [
        (label_zh if zh else label_en, str(data[name]))
        for name, label_zh, label_en in fields
        if name in data and data[name] not in (None, "")
    ]


def _read_sql() -> str:
    quote = connection.ops.quote_name
    document = StatusDocument._meta.db_table
    business = Business._meta.db_table
    agent = BusinessAgent._meta.db_table
    # The same people `selectors.access_application` lets in: the applicant, whoever filed
    # it, and for a business's application its legal representative and active agents.
    return (
        f"SELECT body, fetched FROM {quote(document)} WHERE ref = %s AND ("  # noqa: S608 - identifiers only
        f"applicant_id = %s OR filed_by_id = %s"
        f" OR business_id IN (SELECT id FROM {quote(business)} WHERE legal_representative_id = %s)"
        f" OR business_id IN (SELECT business_id FROM {quote(agent)}"
        f" WHERE agent_id = %s AND withdrawn_at IS NULL))"
    )


_sql: dict[str, str] = {}


def read_answer(user_pk: int, ref: str) -> str | None:
    """The answer to GET /api/v1/applications/{ref} for this person, as JSON text, or None when
    there is no such application or it is not theirs: one statement."""
    sql = _sql.get(connection.vendor)
    if sql is None:
        sql = _sql[connection.vendor] = _read_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [ref, user_pk, user_pk, user_pk, user_pk])
        found = cursor.fetchone()
    if found is None:
        return None
    body, sealed = found
    if not sealed:
        return str(body)
    answer = json.loads(body)
    for index, token, fields in json.loads(sealed):
        answer["fetched_materials"][index]["data"] = dict(fetched_rows(token, fields))
    return json.dumps(answer)

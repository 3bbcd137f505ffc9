"""The one record of who read someone else's personal data.

Every app that reads a person's (or a business's) data calls `record_data_access`: an officer
opening application materials, a hotline officer reading a reporter's contact details, a partner
app receiving the full ID number, a department fetching a record through the exchange, a window
clerk looking a citizen up at a hall. The row and its ledger entry are written in the caller's
transaction; the person sees the row on "who read my data" (`selectors.accesses_about`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from onewindow.identity.models import AccessKind, Business, DataAccess, Department, User
from onewindow.ledger import services as ledger

# Text recorded in both languages: a translatable string (rendered in each), a (zh, en)
# pair of data that has both (a data service's name), or one text kept as it was given.
Bilingual = Promise | tuple[str, str] | str


def both_languages(text: Bilingual) -> tuple[str, str]:
    """(Chinese, English) of `text`."""
    if isinstance(text, tuple):
        return text
    if isinstance(text, Promise):
        with translation.override("zh-hans"):
            chinese = str(text)
        with translation.override("en"):
            return chinese, str(text)
    return text, text


@dataclass(frozen=True, kw_only=True)
class NewAccess:
    """One access about to be recorded (see `record_data_access` for the fields)."""

    kind: AccessKind
    subject_user: User | int | None = None  # the object or its primary key
    subject_business: Business | int | None = None
    department: Department | None = None
    accessor: str = ""
    actor_role: str
    what: Bilingual
    purpose: str = ""
    case_ref: str = ""
    legal_basis: Bilingual = ""
    disclose_after: datetime | None = None
    is_reportable: bool = False
    ledger_index: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def record_data_access(kind: AccessKind, **fields: Any) -> DataAccess:
    """Record one read of someone else's personal data and its `data.access` ledger entry, in
    the caller's transaction (so the access is recorded if and only if the use case commits).

    `subject_user` and/or `subject_business`: whose data; `department`: who read or answers
    for the reader; `accessor`: who exactly (account name, partner app, "system", a peer
    region's department); `actor_role`: the reader's role, for the ledger; `what`: what was
    read, in both languages; `purpose`, `case_ref`, `legal_basis`: why and under which case
    or law; `disclose_after`: a secrecy order's disclosure date; `details`: more ledger payload
    (never personal data). `ledger_index`: the entry of a use case whose own ledger entry
    already records this read (an exchange call), so no second entry is written.
    Raises the ledger's PersonalDataRefused if the details look like personal data."""
    [access] = record_data_accesses([NewAccess(kind=kind, **fields)])
    return access


def record_data_accesses(accesses: Sequence[NewAccess]) -> list[DataAccess]:
    """Record several accesses with one insert (the exchange logs calls in batches)."""
    rows = []
    with transaction.atomic(savepoint=False):
        for new in accesses:
            ledger_index = new.ledger_index
            if ledger_index is None:
                ledger_index = _ledger_entry(new)
            what_zh, what_en = both_languages(new.what)
            basis_zh, basis_en = both_languages(new.legal_basis)
            rows.append(
                DataAccess(
                    kind=new.kind,
                    subject_user_id=_pk(new.subject_user),
                    subject_business_id=_pk(new.subject_business),
                    department=new.department,
                    accessor=new.accessor[:150],
                    what_zh=what_zh[:200],
                    what_en=what_en[:200],
                    purpose=new.purpose[:100],
                    case_ref=new.case_ref[:64],
                    legal_basis_zh=basis_zh,
                    legal_basis_en=basis_en,
                    created_at=timezone.now(),
                    disclose_after=new.disclose_after,
                    is_reportable=new.is_reportable,
                    ledger_index=ledger_index,
                )
            )
        return DataAccess.objects.bulk_create(rows)


def _pk(subject: User | Business | int | None) -> int | None:
    return subject.pk if isinstance(subject, User | Business) else subject


def _ledger_entry(new: NewAccess) -> int:
    if new.subject_user is not None:
        subject_ref = f"user:{_pk(new.subject_user)}"
    elif new.subject_business is not None:
        subject_ref = f"business:{_pk(new.subject_business)}"
    else:
        subject_ref = new.case_ref or "unknown"
    payload = {"kind": str(new.kind), "purpose": new.purpose, "ref": new.case_ref}
    receipt = ledger.record(
        "data.access",
        subject_ref=subject_ref,
        actor_role=new.actor_role,
        department=new.department.code if new.department is not None else "unknown",
        payload={**payload, **new.details},
    )
    return receipt.index

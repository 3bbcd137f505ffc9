"""Writes of open data: define a dataset, publish a release (desensitised, versioned,
immutable, its digest in the ledger), refresh what is due; budgets and spending."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.identity.models import Department, OfficerRole, Role, User
from onewindow.ledger import services as ledger
from onewindow.transparency import fiscal, sources
from onewindow.transparency.desensitise import (
    DesensitisationRefused,
    Measure,
    Rules,
    Table,
    check_rules,
    desensitise,
    spend,
)
from onewindow.transparency.models import (
    BudgetLine,
    Dataset,
    Licence,
    Release,
    ReleaseRow,
    ReleaseValue,
    SpendingEntry,
    Stage,
)


class ReleaseRefused(DomainError):
    """A release refused by the desensitisation pipeline: names the column and the cells."""

    status = 422
    code = "release_refused"


def _refused(error: DesensitisationRefused) -> ReleaseRefused:
    return ReleaseRefused(
        _("Not published: %(reason)s (column %(column)s, %(cells)s cells)."),
        params={"reason": error.reason, "column": error.column, "cells": error.cells},
        field=error.column,
    )


def _has_role(user: User, *roles: str) -> bool:
    return OfficerRole.objects.filter(user=user, role__in=roles).exists()


def _may_publish(user: User | None, department: Department) -> None:
    """A publisher of the dataset's own department, or a platform admin; the worker's
    scheduled refresh (no user) republishes what a publisher defined."""
    if user is None:
        return
    if _has_role(user, Role.PLATFORM_ADMIN):
        return
    if user.department_id != department.pk or not _has_role(user, Role.DATA_PUBLISHER):
        raise PermissionDenied(_("Publishing open data needs the open-data publisher role."))


def rules_of(dataset: Dataset) -> Rules:
    return Rules(
        quasi_identifiers=tuple(dataset.quasi_identifiers),
        k=dataset.k,
        generalise=dict(dataset.generalise),
        measures=tuple(
            Measure(name=m["name"], aggregate=m["aggregate"], source=m["source"])
            for m in dataset.measures
        ),
        max_suppressed_share=dataset.max_suppressed_share,
        epsilon=dataset.epsilon,
    )


@dataclass(frozen=True)
class DatasetDefinition:
    name: str
    title_zh: str
    title_en: str
    organization: Department
    source: str
    notes_zh: str = ""
    notes_en: str = ""
    groups: Sequence[str] = ()
    tags: Sequence[str] = ()
    licence: str = Licence.CC_BY_4
    parameters: Mapping[str, Any] | None = None
    quasi_identifiers: Sequence[str] = ()
    generalise: Mapping[str, str] | None = None
    measures: Sequence[Mapping[str, str]] = ()
    k: int = 5
    max_suppressed_share: float = 0.2
    epsilon: float | None = None
    epsilon_budget: float = 0
    refresh_days: int = 0


def define_dataset(publisher: User | None, definition: DatasetDefinition) -> Dataset:
    """A publisher of the organisation defines a dataset (or redefines one by its name).

    Raises PermissionDenied, ReleaseRefused for rules that cannot apply (naming the column),
    DomainError for a personal source declared without quasi-identifiers."""
    _may_publish(publisher, definition.organization)
    if definition.source not in sources.READERS:
        raise DomainError(_("Unknown source."), code="unknown_source", field="source")
    dataset = Dataset(
        name=definition.name,
        title_zh=definition.title_zh,
        title_en=definition.title_en,
        notes_zh=definition.notes_zh,
        notes_en=definition.notes_en,
        organization=definition.organization,
        groups=list(definition.groups),
        tags=list(definition.tags),
        licence=definition.licence,
        source=definition.source,
        parameters=dict(definition.parameters or {}),
        quasi_identifiers=list(definition.quasi_identifiers),
        generalise=dict(definition.generalise or {}),
        measures=[dict(m) for m in definition.measures],
        k=definition.k,
        max_suppressed_share=definition.max_suppressed_share,
        epsilon=definition.epsilon,
        epsilon_budget=definition.epsilon_budget,
        refresh_days=definition.refresh_days,
    )
    try:
        check_rules(rules_of(dataset))
    except DesensitisationRefused as error:
        raise _refused(error) from None
    if dataset.epsilon is not None and dataset.epsilon > dataset.epsilon_budget:
        raise ReleaseRefused(
            _("The ε of one release is above the dataset's budget."), field="epsilon"
        )
    _index_text(dataset)
    with transaction.atomic():
        existing = Dataset.objects.select_for_update().filter(name=definition.name).first()
        if existing is not None:
            dataset.pk = existing.pk
            dataset.created_at = existing.created_at
            dataset.epsilon_spent = existing.epsilon_spent
            dataset._state.adding = False
        dataset.modified_at = timezone.now()
        dataset.save()
    return dataset


def _index_text(dataset: Dataset) -> None:
    dataset.search_text = " ".join(
        [
            dataset.name,
            dataset.title_zh,
            dataset.title_en,
            dataset.notes_zh,
            dataset.notes_en,
            *dataset.tags,
            *dataset.groups,
        ]
    ).lower()
    formats = ["CSV", "JSON", "XLSX"]
    dataset.facet_text = "".join(
        [f"|organization:{dataset.organization.code}"]
        + [f"|tags:{tag}" for tag in dataset.tags]
        + [f"|groups:{group}" for group in dataset.groups]
        + [f"|res_format:{fmt}" for fmt in formats]
        + [f"|license_id:{dataset.licence}", "|"]
    )


def table_for(dataset: Dataset, *, source: random.Random | None = None) -> Table:
    """The table a release of `dataset` would publish now, or DesensitisationRefused."""
    records = sources.read(dataset.source, dataset.parameters)
    if records.is_personal or dataset.quasi_identifiers:
        return desensitise(records.rows, rules_of(dataset), source=source)
    return Table(
        fields=records.fields,
        rows=tuple(records.rows),
        records_in=len(records.rows),
        suppressed_cells=0,
        suppressed_records=0,
        k=1,
        epsilon=None,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def digest_of(fields: Sequence[Sequence[str]], rows: Sequence[Mapping[str, Any]]) -> str:
    body = json.dumps(
        {"fields": [list(f) for f in fields], "rows": list(rows)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_value,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def publish_release(
    publisher: User | None,
    dataset: Dataset,
    *,
    source: random.Random | None = None,
    only_if_changed: bool = False,
) -> Release | None:
    """Desensitise the dataset's records and publish them as its next version, with the
    digest in the ledger; spends the release's ε from the dataset's budget.

    With `only_if_changed` (the scheduled refresh), nothing is published (None) when the
    true table is the one already published, so no ε is spent on a repeat. Raises
    PermissionDenied, ReleaseRefused (the reason, the column and the cells)."""
    _may_publish(publisher, dataset.organization)
    try:
        table = table_for(dataset, source=source)
    except DesensitisationRefused as error:
        raise _refused(error) from None
    rows = [{k: _json_value(v) for k, v in row.items()} for row in table.rows]
    digest = digest_of(table.fields, rows)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        latest = locked.releases.order_by("-version").first()
        unchanged = latest is not None and latest.digest == digest
        if only_if_changed and table.epsilon is None and unchanged:
            return None
        try:
            spent = spend(locked.epsilon_budget, locked.epsilon_spent, table.epsilon)
        except DesensitisationRefused as error:
            raise _refused(error) from None
        version = (latest.version if latest else 0) + 1
        release = Release(
            dataset=locked,
            version=version,
            fields=[list(field) for field in table.fields],
            row_count=len(rows),
            records_in=table.records_in,
            suppressed_cells=table.suppressed_cells,
            k=table.k,
            epsilon=table.epsilon,
            digest=digest,
            published_by=publisher,
        )
        receipt = ledger.record(
            "transparency.released",
            subject_ref=f"{locked.name}.v{version}",
            actor_role=Role.DATA_PUBLISHER if publisher else "worker",
            department=locked.organization.code,
            payload={
                "dataset": locked.name,
                "version": version,
                "digest": digest,
                "rows": len(rows),
                "k": table.k,
                "epsilon": table.epsilon,
            },
        )
        release.ledger_index = receipt.index
        release.save()
        ReleaseRow.objects.bulk_create(
            (
                ReleaseRow(
                    release=release,
                    number=number,
                    data=row,
                    text=" ".join("" if v is None else str(v) for v in row.values()).lower(),
                )
                for number, row in enumerate(rows, start=1)
            ),
            batch_size=2000,
        )
        store_values(release, enumerate(rows, start=1))
        locked.epsilon_spent = spent
        locked.modified_at = timezone.now()
        locked.save(update_fields=["epsilon_spent", "modified_at"])
    dataset.epsilon_spent = spent
    return release


def store_values(release: Release, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Store the values of a release's numbered rows for datastore_search's index."""
    ReleaseValue.objects.bulk_create(
        (value for number, row in rows for value in ReleaseValue.of_row(release, number, row)),
        batch_size=5000,
    )


def refresh_due(*, now: datetime | None = None) -> list[Release]:
    """The worker's scheduled refresh: each dataset whose last release is older than its
    refresh period gets a new one if its table changed. A refused refresh is skipped (the
    publisher sees the reason when they publish by hand)."""
    now = now or timezone.now()
    published = []
    for dataset in Dataset.objects.filter(refresh_days__gt=0).select_related("organization"):
        latest = dataset.releases.order_by("-version").first()
        if latest and latest.created_at > now - timedelta(days=dataset.refresh_days):
            continue
        try:
            release = publish_release(None, dataset, only_if_changed=True)
        except ReleaseRefused:
            continue
        if release is not None:
            published.append(release)
    return published


# ----- budgets and spending ------------------------------------------------------------------


@dataclass(frozen=True)
class FiscalLine:
    function_code: str
    economic_code: str
    amount_fen: int


def _may_enter_fiscal(user: User, department: Department) -> None:
    if user.department_id != department.pk or not _has_role(
        user, Role.DATA_PUBLISHER, Role.DEPARTMENT_ADMIN
    ):
        raise PermissionDenied(_("Entering budgets needs the open-data publisher role."))


def _check_lines(lines: Sequence[FiscalLine], total_fen: int) -> None:
    errors = []
    for number, line in enumerate(lines, start=1):
        if not fiscal.function_code_valid(line.function_code):
            errors.append((f"lines[{number}].function_code", _("Unknown functional class.")))
        if line.economic_code[:3] not in fiscal.ECONOMIC:
            errors.append((f"lines[{number}].economic_code", _("Unknown economic class.")))
        if line.amount_fen < 0:
            errors.append((f"lines[{number}].amount_fen", _("Amounts are not negative.")))
    if errors:
        field, message = errors[0]
        raise DomainError(message, code="fiscal_line_invalid", field=field)
    if sum(line.amount_fen for line in lines) != total_fen:
        raise DomainError(
            _("The lines add up to %(sum)s fen, not the stated total %(total)s fen."),
            params={"sum": sum(line.amount_fen for line in lines), "total": total_fen},
            code="fiscal_lines_do_not_sum",
            field="total_fen",
        )


def enter_budget(
    officer: User,
    department: Department,
    *,
    year: int,
    stage: str,
    lines: Sequence[FiscalLine],
    total_fen: int,
) -> list[BudgetLine]:
    """A department's budget or final accounts for a year, replacing what was entered.
    Raises PermissionDenied, DomainError naming the field (unknown class, lines that do
    not add up to the stated total in fen)."""
    _may_enter_fiscal(officer, department)
    if stage not in Stage.values:
        raise DomainError(_("Unknown stage."), code="fiscal_stage", field="stage")
    _check_lines(lines, total_fen)
    with transaction.atomic():
        BudgetLine.objects.filter(department=department, year=year, stage=stage).delete()
        created = BudgetLine.objects.bulk_create(
            BudgetLine(
                department=department,
                year=year,
                stage=stage,
                function_code=line.function_code,
                economic_code=line.economic_code,
                amount_fen=line.amount_fen,
            )
            for line in lines
        )
        ledger.record(
            "transparency.budget",
            subject_ref=f"{department.code}.{year}.{stage}",
            actor_role=Role.DATA_PUBLISHER,
            department=department.code,
            payload={"year": year, "stage": stage, "total_fen": total_fen, "lines": len(lines)},
        )
    return created


def enter_spending(
    officer: User,
    department: Department,
    *,
    month: date,
    lines: Sequence[FiscalLine],
    total_fen: int,
) -> list[SpendingEntry]:
    """A department's spending of one month. Raises as `enter_budget`."""
    _may_enter_fiscal(officer, department)
    _check_lines(lines, total_fen)
    first = fiscal.month_start(month)
    with transaction.atomic():
        SpendingEntry.objects.filter(department=department, month=first).delete()
        created = SpendingEntry.objects.bulk_create(
            SpendingEntry(
                department=department,
                month=first,
                function_code=line.function_code,
                economic_code=line.economic_code,
                amount_fen=line.amount_fen,
            )
            for line in lines
        )
    return created

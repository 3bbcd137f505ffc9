"""Open data: datasets and their immutable releases; budgets and spending; procurement."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.identity.models import Department


class Source(models.TextChoices):
    """Where a dataset's records come from (transparency/sources.py reads each through the
    owning app's selectors)."""

    APPLICATIONS = "applications", _("Applications by service, division and month")
    HOTLINE = "hotline", _("Hotline cases by category, division and week")
    CATALOGUE = "catalogue", _("The service catalogue")
    BUDGET = "budget", _("Budgets and final accounts")
    SPENDING = "spending", _("Monthly spending")
    PROCUREMENT = "procurement", _("Procurement processes")
    FIXED = "fixed", _("Rows kept with the dataset")


class Licence(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", "Creative Commons Attribution 4.0"
    CC0 = "CC0-1.0", "Creative Commons CC0 1.0"
    ODC_BY = "ODC-BY-1.0", "Open Data Commons Attribution 1.0"


LICENCE_URLS = {
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.ODC_BY: "https://opendatacommons.org/licenses/by/1-0/",
}


class Dataset(models.Model):
    """A dataset's definition: what it is built from and the rules that make it safe."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("name"), max_length=100, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    notes_zh = models.TextField(_("description (Chinese)"), blank=True)
    notes_en = models.TextField(_("description (English)"), blank=True)
    organization = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("publisher")
    )
    groups = models.JSONField(_("groups"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    licence = models.CharField(
        _("licence"), max_length=32, choices=Licence.choices, default=Licence.CC_BY_4
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    parameters = models.JSONField(_("source parameters"), default=dict, blank=True)
    quasi_identifiers = models.JSONField(_("quasi-identifiers"), default=list, blank=True)
    generalise = models.JSONField(_("generalisation"), default=dict, blank=True)
    measures = models.JSONField(_("measures"), default=list, blank=True)
    k = models.PositiveSmallIntegerField(_("k"), default=5)
    max_suppressed_share = models.FloatField(default=0.2)
    epsilon = models.FloatField(_("ε per release"), null=True, blank=True)
    epsilon_budget = models.FloatField(_("ε budget"), default=0)
    epsilon_spent = models.FloatField(_("ε spent"), default=0)
    refresh_days = models.PositiveSmallIntegerField(_("refresh every (days)"), default=0)
    # Searchable text and the facets as "|a|b|" so one LIKE finds a tag on both engines.
    search_text = models.TextField(default="", editable=False)
    facet_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon_spent__lte=models.F("epsilon_budget") + 1e-9),
                name="dataset_epsilon_within_budget",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        return self.title_zh if (get_language() or "").startswith("zh") else self.title_en

    @property
    def notes(self) -> str:
        return self.notes_zh if (get_language() or "").startswith("zh") else self.notes_en


class Release(models.Model):
    """One published version of a dataset: its table, digest and ledger entry. Never
    changed after it is written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="releases")
    version = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    records_in = models.PositiveIntegerField(default=0)
    suppressed_cells = models.PositiveIntegerField(default=0)
    k = models.PositiveSmallIntegerField(default=1)
    epsilon = models.FloatField(null=True, blank=True)
    digest = models.CharField(max_length=64)
    ledger_index = models.BigIntegerField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dataset", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "version"], name="release_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("a release is immutable")
        super().save(*args, **kwargs)


class ReleaseRow(models.Model):
    """One row of a release's table; `number` is CKAN's `_id` (1-based, stable)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="rows")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    text = models.TextField(default="")  # the row's values, for datastore_search's q

    class Meta:
        ordering = ["release", "number"]
        constraints = [
            models.UniqueConstraint(fields=["release", "number"], name="release_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.release_id}#{self.number}"


# The kinds stored as numbers (datastore_search filters and sorts them as numbers).
NUMERIC_KINDS = frozenset({"int", "numeric", "float"})
# Text values up to this length are stored for exact filters; a longer one is matched on the
# row's JSON instead (an index entry has a size limit on PostgreSQL).
INDEXED_TEXT = 200


class ReleaseValue(models.Model):
    """One field of one release row, stored apart from the row's JSON with an index, so that
    datastore_search's filters and sorts read the matching rows through the index instead of
    taking every row of the release apart (1 s for a page of 100,000 rows before)."""

    # No index of its own: the unique constraint below starts with it.
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+", db_index=False)
    number = models.PositiveIntegerField()  # the row's
    field = models.CharField(max_length=100)
    # NULL: no text stored (a number, a long text, none); "" is an empty value.
    text = models.CharField(max_length=INDEXED_TEXT, null=True)  # noqa: DJ001
    numeric = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "field", "number"], name="release_value_once"
            )
        ]
        indexes = [
            models.Index(fields=["release", "field", "text", "number"], name="release_value_text"),
            models.Index(
                fields=["release", "field", "numeric", "number"], name="release_value_numeric"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.release_id}#{self.number}.{self.field}"

    @classmethod
    def of_row(cls, release: Release, number: int, row: dict[str, Any]) -> list[ReleaseValue]:
        """The values of a row as stored for the index: numbers for the numeric kinds, short
        text for the others (booleans and other types stay in the row's JSON only)."""
        values = []
        for name, kind in release.fields:
            value = row.get(name)
            numeric = text = None
            if kind in NUMERIC_KINDS:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    numeric = float(value)
            elif isinstance(value, str) and len(value) <= INDEXED_TEXT:
                text = value
            values.append(
                cls(release=release, number=number, field=name, text=text, numeric=numeric)
            )
        return values


# ----- budgets and spending ------------------------------------------------------------------


class Stage(models.TextChoices):
    BUDGET = "budget", _("Budget")
    FINAL = "final", _("Final accounts")


class BudgetLine(models.Model):
    """One line of a department's annual budget or final accounts, by functional and
    economic classification (China's government revenue and expenditure classification)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=8, choices=Stage.choices)
    function_code = models.CharField(max_length=7)
    economic_code = models.CharField(max_length=5)
    amount_fen = models.BigIntegerField()

    class Meta:
        ordering = ["year", "department", "function_code", "economic_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "stage", "function_code", "economic_code"],
                name="budget_line_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.year} {self.function_code}"


class SpendingEntry(models.Model):
    """A department's spending in one month under one functional and economic code."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month
    function_code = models.CharField(max_length=7)
    economic_code = models.CharField(max_length=5)
    amount_fen = models.BigIntegerField()

    class Meta:
        ordering = ["month", "department", "function_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "function_code", "economic_code"],
                name="spending_entry_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.month} {self.function_code}"


# ----- procurement ---------------------------------------------------------------------------


class ProcurementStatus(models.TextChoices):
    PLANNING = "planning", _("Planned")
    TENDER = "tender", _("Open for bids")
    AWARD = "award", _("Awarded")
    CONTRACT = "contract", _("Contract signed")
    COMPLETE = "complete", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Method(models.TextChoices):
    OPEN = "open", _("Open tender")
    SELECTIVE = "selective", _("Selective tender")
    LIMITED = "limited", _("Single source")


class Procurement(models.Model):
    """One contracting process, from plan to completion (an OCDS ocid)."""

    ocid = models.CharField(max_length=64, unique=True)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    buyer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    function_code = models.CharField(max_length=7)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.OPEN)
    status = models.CharField(
        max_length=16, choices=ProcurementStatus.choices, default=ProcurementStatus.PLANNING
    )
    budget_fen = models.BigIntegerField()
    planned_on = models.DateField()
    tender_start = models.DateField(null=True, blank=True)
    tender_end = models.DateField(null=True, blank=True)
    awarded_on = models.DateField(null=True, blank=True)
    publicity_end = models.DateField(null=True, blank=True)
    complaint_end = models.DateField(null=True, blank=True)
    supplier_credit_code = models.CharField(max_length=18, blank=True)
    supplier_name = models.CharField(max_length=200, blank=True)
    award_fen = models.BigIntegerField(null=True, blank=True)
    contract_signed = models.DateField(null=True, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-planned_on", "ocid"]

    def __str__(self) -> str:
        return self.ocid

    @property
    def title(self) -> str:
        return self.title_zh if (get_language() or "").startswith("zh") else self.title_en


class Bid(models.Model):
    """A bid received, from a business named by its unified social credit code, with the
    bidder's conflict-of-interest declaration."""

    procurement = models.ForeignKey(Procurement, on_delete=models.PROTECT, related_name="bids")
    credit_code = models.CharField(max_length=18)
    name = models.CharField(max_length=200)
    amount_fen = models.BigIntegerField()
    received_on = models.DateField()
    no_conflict_declared = models.BooleanField(default=False)

    class Meta:
        ordering = ["procurement", "amount_fen"]
        constraints = [
            models.UniqueConstraint(fields=["procurement", "credit_code"], name="bid_once")
        ]

    def __str__(self) -> str:
        return f"{self.procurement_id} {self.credit_code}"


class Milestone(models.Model):
    procurement = models.ForeignKey(
        Procurement, on_delete=models.PROTECT, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    due = models.DateField()
    met_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["procurement", "due"]

    def __str__(self) -> str:
        return self.title

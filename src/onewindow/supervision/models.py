"""Supervision: what departments inspect, random inspection plans and their verifiable
draws, inspections with findings, rectification orders and administrative penalties."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Context "supervision" where another app translates the same English differently: Django
# merges all catalogues, so the plain msgid would show whichever won.
from django.utils.translation import pgettext_lazy

from onewindow.identity.models import Business, Department, User


class SubjectType(models.TextChoices):
    BUSINESS = "business", _("Business")
    INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")
    INSTITUTION = "institution", _("Public institution")


class SupervisionItem(models.Model):
    """One thing a department inspects (an entry of its random inspection item list)."""

    code = models.CharField(pgettext_lazy("supervision", "code"), max_length=40, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    subject_type = models.CharField(
        _("subject type"), max_length=24, choices=SubjectType.choices, default=SubjectType.BUSINESS
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("supervision item")

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class ChecklistItem(models.Model):
    item = models.ForeignKey(SupervisionItem, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField()
    text_zh = models.CharField(_("check (Chinese)"), max_length=200)
    text_en = models.CharField(_("check (English)"), max_length=250)

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="one_check_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}.{self.position}"

    @property
    def text(self) -> str:
        from django.utils.translation import get_language

        return self.text_zh if (get_language() or "").startswith("zh") else self.text_en


class SubjectProfile(models.Model):
    """What the supervision register knows of a business: its industry (GB/T 4754 code) and
    the licences it holds (`licences`), by which plans filter their population."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="supervision_profile"
    )
    industry_code = models.CharField(_("industry code"), max_length=8, db_index=True)

    def __str__(self) -> str:
        return f"{self.business.credit_code} {self.industry_code}"


class SubjectLicence(models.Model):
    """One licence type a registered business holds: a row each, so that a plan's licence
    filter is an indexed EXISTS in SQL rather than a scan of every profile in Python."""

    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="licences")
    licence_type = models.CharField(_("licence type"), max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "subject"], name="one_row_per_subject_licence"
            )
        ]

    def __str__(self) -> str:
        return self.licence_type


class Inspector(models.Model):
    """An officer who may be drawn, known publicly by the number of their law-enforcement
    certificate (printed on it and shown at every inspection)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="inspector")
    certificate_number = models.CharField(
        _("law-enforcement certificate"), max_length=24, unique=True
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["certificate_number"]

    def __str__(self) -> str:
        return self.certificate_number


class DeclaredRelation(models.Model):
    """An inspector's declared interest in a business (kin, former employer, shares)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="relations")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(_("relation"), max_length=100)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspector", "business"], name="one_relation_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.inspector} ~ {self.business_id}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FIXED = "fixed", _("Fixed")
    DRAWN = "drawn", _("Drawn")


class Plan(models.Model):
    """A random inspection plan. Drafted, then fixed: the plan document and the population
    are frozen, their digests go to the ledger, and only then can the draw happen."""

    ref = models.CharField(_("plan number"), max_length=40, unique=True)
    title = models.CharField(pgettext_lazy("supervision", "title"), max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    # Joint inspections: every department named inspects in the same visit.
    departments = models.ManyToManyField(Department, related_name="+")
    items = models.ManyToManyField(SupervisionItem, related_name="plans")
    industry_codes = models.JSONField(_("industry codes"), default=list, blank=True)
    division_codes = models.JSONField(_("divisions"), default=list, blank=True)
    licence_types = models.JSONField(_("licence types"), default=list, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"))
    inspectors_per_department = models.PositiveSmallIntegerField(default=2)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(pgettext_lazy("supervision", "until"))
    status = models.CharField(max_length=8, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Frozen when fixed: the public plan document, the population rows and their digests.
    document = models.JSONField(default=dict, editable=False)
    population = models.JSONField(default=list, editable=False)
    plan_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    population_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inspection plan")

    def __str__(self) -> str:
        return self.ref


class Draw(models.Model):
    """The published draw of a plan, as `onewindow-redraw` recomputes it."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="draw")
    checkpoint_size = models.BigIntegerField()
    checkpoint_note = models.TextField()
    document = models.JSONField(default=dict)
    drawn_at = models.DateTimeField(default=timezone.now)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"draw of {self.plan_id}"


class InspectionKind(models.TextChoices):
    DRAWN = "drawn", _("Random inspection")
    CASE = "case", _("Inspection from a complaint")
    REINSPECTION = "reinspection", _("Re-inspection")


class InspectionMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote (video)")


class InspectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", pgettext_lazy("supervision", "Completed")
    PUBLISHED = "published", _("Result published")


class Acknowledgement(models.TextChoices):
    SIGNED = "signed", _("Signed by the business")
    REFUSED = "refused", _("Business refused to sign")


class Inspection(models.Model):
    ref = models.CharField(_("inspection number"), max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=InspectionKind.choices)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    position = models.PositiveIntegerField(null=True, blank=True)  # the visit in the draw
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    departments = models.ManyToManyField(Department, related_name="+")
    items = models.ManyToManyField(SupervisionItem, related_name="+")
    inspectors = models.ManyToManyField(Inspector, related_name="inspections")
    source_case_ref = models.CharField(max_length=32, blank=True)
    reinspection_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reinspections"
    )
    status = models.CharField(
        max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.SCHEDULED
    )
    mode = models.CharField(_("how"), max_length=8, choices=InspectionMode.choices, blank=True)
    acknowledgement = models.CharField(max_length=8, choices=Acknowledgement.choices, blank=True)
    # The signatory's name is personal data: encrypted, shown masked.
    signatory_encrypted = models.TextField(blank=True, editable=False)
    refusal_note = models.CharField(_("refusal noted"), max_length=300, blank=True)
    summary = models.TextField(pgettext_lazy("supervision", "result"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    publish_due = models.DateTimeField(null=True, blank=True)
    # When the supervisors were told the result is due soon, and that it is overdue (once each).
    due_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "position", "ref"]

    def __str__(self) -> str:
        return self.ref


class CheckOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", pgettext_lazy("supervision", "Failed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class CheckResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="checks")
    checklist_item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "checklist_item"], name="one_result_per_check"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.checklist_item_id} {self.outcome}"


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    checklist_item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("what was found"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    recorded_by = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.checklist_item_id}"


class Photo(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    file = models.FileField(upload_to="supervision/photos/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"photo {self.sha256[:12]} of {self.inspection_id}"


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECTIFIED = "rectified", _("Rectified")
    NOT_RECTIFIED = "not_rectified", _("Not rectified")


class RectificationOrder(models.Model):
    """An order to correct a finding by a deadline, checked by a re-inspection."""

    ref = models.CharField(_("order number"), max_length=40, unique=True)
    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="order")
    due = models.DateTimeField(_("rectify by"))
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    reinspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.ref


class Penalty(models.Model):
    """An administrative penalty decided on findings; published to the credit profile."""

    decision_number = models.CharField(_("decision number"), max_length=80, unique=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="penalties")
    findings = models.ManyToManyField(Finding, related_name="penalties")
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    violation = models.CharField(_("violation"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    fine_fen = models.PositiveBigIntegerField(_("fine (fen)"), default=0)
    publicity_category = models.CharField(max_length=12, default="general")
    decided_on = models.DateField(_("decided on"))
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_on", "decision_number"]

    def __str__(self) -> str:
        return self.decision_number


class CaseLink(models.Model):
    """A hotline case or complaint about a business: it raises the business's risk grade,
    and an inspection may be opened from it."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    case_ref = models.CharField(_("case number"), max_length=32)
    received_at = models.DateTimeField()
    linked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "case_ref"], name="one_link_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_ref} → {self.business_id}"


class RefCounter(models.Model):
    """The last number given under a prefix (plans, orders, case inspections)."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"

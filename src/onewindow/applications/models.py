"""Applications, the steps departments work on, supplements, uploads and the transition log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.applications.workflow.definitions import workflow_of
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.models import Division
from onewindow.identity.models import Business, Department, Role


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    HALL = "hall", _("Service hall")
    VILLAGE_AGENT = "village_agent", _("Village service station")
    PARTNER_APP = "partner_app", _("Partner app")


class ApplicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("Being handled")
    AWAITING_SUPPLEMENTS = "awaiting_supplements", _("Waiting for your supplements")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


TERMINAL_APPLICATION_STATUSES = frozenset(
    {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
)


class StepStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    AWAITING_SUPPLEMENTS = "awaiting_supplements", _("Waiting for supplements")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SKIPPED = "skipped", _("Not needed")
    CANCELLED = "cancelled", _("Stopped")


ACTIVE_STEP_STATUSES = frozenset({StepStatus.OPEN, StepStatus.AWAITING_SUPPLEMENTS})
DONE_STEP_STATUSES = frozenset({StepStatus.APPROVED, StepStatus.SKIPPED})


class Application(models.Model):
    """One filing of one service version, by or for one applicant (and their business)."""

    ref = models.CharField(_("reference"), max_length=24, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    item_version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.PROTECT, related_name="applications"
    )
    # Where the competent authority is (the applicant's registered division or the business's).
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    # Where it was filed: the hall's or the station's division; the same as `division` online.
    receiving_division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications_filed"
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.IN_PROGRESS,
    )
    form_data = models.JSONField(_("form"), default=dict)
    delivery = models.CharField(_("delivery"), max_length=16)
    idempotency_key = models.CharField(max_length=64)
    request_digest = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("promised by"))
    finished_at = models.DateTimeField(null=True, blank=True)
    visits_promised = models.PositiveSmallIntegerField(default=0)
    visits_made = models.PositiveSmallIntegerField(default=0)
    days_promised = models.PositiveSmallIntegerField(default=0)
    days_taken = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The ledger entry of the filing (reference, service, digests of form and materials):
    # the receipt the applicant can verify, and what the audit checks the row against.
    filed_ledger_index = models.BigIntegerField(_("filing in the ledger"), null=True, blank=True)
    # An investment project's code (`projects.py`), given when its acceptance is approved;
    # empty for every other service.
    project_code = models.CharField(_("project code"), max_length=24, blank=True, default="")

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"], name="one_application_per_key"
            ),
            models.UniqueConstraint(
                fields=["project_code"],
                condition=~models.Q(project_code=""),
                name="one_application_per_project_code",
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"], name="application_mine"),
            models.Index(fields=["receiving_division", "status"], name="application_received"),
            # The portal's hot services count one recent window (web/portal.py): a range on
            # submitted_at read from the index alone.
            models.Index(fields=["submitted_at", "item_version"], name="application_recent"),
        ]
        verbose_name = _("application")

    def __str__(self) -> str:
        return self.ref

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_APPLICATION_STATUSES


class StatusDocument(models.Model):
    """What the applicant and partner apps read of an application, kept whole: the answer of
    GET /api/v1/applications/{ref}, rebuilt by the workflow engine inside the transaction of
    every move (`workflow/status.py`) and read with one statement.

    `body` is that answer as JSON text, byte for byte, except the verified fields of fetched
    materials: they stay encrypted in `fetched` (with their labels in both languages) and are
    filled in at read time, in the reader's language. Who may read it is in the row (applicant,
    filer, business), so the access check is part of the read's WHERE clause."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="status_document"
    )
    ref = models.CharField(max_length=24, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    body = models.TextField()
    # JSON: [[index in fetched_materials, token, [[field, label_zh, label_en], ...]], ...];
    # empty when no fetched material holds data.
    fetched = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"status of {self.ref}"


class Step(models.Model):
    """One step of an application's workflow, held by a role in one department."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=32)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="steps")
    role = models.CharField(max_length=32)
    status = models.CharField(max_length=24, choices=StepStatus.choices, default=StepStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_steps",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    # Working days left when supplements were requested; the clock resumes with them.
    days_left_when_paused = models.PositiveSmallIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_supplement_used = models.BooleanField(default=False)
    days_taken = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="one_step_per_key")
        ]
        indexes = [
            # The work queue walks these in deadline order; only active steps are indexed.
            models.Index(
                fields=["department", "due_at"],
                condition=models.Q(status__in=["open", "awaiting_supplements"]),
                name="step_queue",
            ),
            models.Index(
                fields=["escalated_to", "due_at"],
                condition=models.Q(status__in=["open", "awaiting_supplements"]),
                name="step_escalated_queue",
            ),
            models.Index(fields=["status", "due_at"], name="step_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.application.ref}/{self.key}"

    @property
    def name(self) -> str:
        """The step's name from its workflow, in the current language ("register" is a key)."""
        definition = workflow_of(self.application.item_version)
        try:
            return definition.step(self.key).name
        except KeyError:
            return self.key

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STEP_STATUSES


class SupplementRequest(models.Model):
    """Everything missing for one step, asked at once; the applicant answers once."""

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="supplement_request")
    items = models.JSONField(default=list)  # [{"key": material key or "", "reason": text}]
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"supplements for {self.step_id}"

    @property
    def named_items(self) -> list[dict[str, str]]:
        """The items with each material's name in the current language beside its key."""
        version = self.step.application.item_version
        return [
            {**item, "name": version.material_name(item["key"]) if item.get("key") else ""}
            for item in self.items
        ]


class Draft(models.Model):
    """A form saved part-way; uploads hang on it until it is submitted."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, null=True, blank=True)
    item_version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE)
    form_data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.applicant_id}"


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("Checked, no threat found")
    NOT_SCANNED = "not_scanned", _("No scanner configured")


FILE_FORMATS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


class Upload(models.Model):
    """A material file: checked by content type and size before it is stored."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draft = models.ForeignKey(
        Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="uploads"
    )
    material_key = models.CharField(max_length=32)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=16, choices=ScanStatus.choices)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.material_key}: {self.original_name}"

    @property
    def material_name(self) -> str:
        holder = self.application or self.draft
        if holder is None:
            return self.material_key
        return holder.item_version.material_name(self.material_key)

    @property
    def format_name(self) -> str:
        """The file's format as people name it ("PDF"), not its media type."""
        return FILE_FORMATS.get(self.content_type, self.content_type)


# What the record of every step says for each action and actor, in the reader's language.
TRANSITION_ACTIONS = {
    "submitted": _("Submitted"),
    "opened": _("Step opened"),
    "assigned": _("Assigned"),
    "claimed": _("Claimed"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "skipped": _("Not needed"),
    "cancelled": _("Stopped"),
    "escalated": _("Escalated"),
    "forwarded": _("Forwarded"),
    "paused": _("Paused"),
    "resumed": _("Resumed"),
    "material_uploaded": _("Material uploaded"),
    "supplement_requested": _("Supplements requested"),
    "supplements_requested": _("Supplements requested"),
    "supplements_provided": _("Supplements provided"),
    "withdrawn": _("Withdrawn"),
    "project_coded": _("Project code given"),
    # The paper result's journey (applications.delivery.LOGGED_AS).
    "delivery_opened": _("Paper result prepared"),
    "dispatched": _("Posted"),
    "delivered": _("Delivered"),
    "returned": _("Returned to the hall"),
    "handed_over": _("Collected"),
}
ACTOR_ROLES = {
    "applicant": _("applicant"),
    "system": _("system"),
    "officer": _("officer"),
    "station_agent": _("village service station agent"),
}


class Transition(models.Model):
    """Every move of an application or step: who, when, from what to what, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    step = models.ForeignKey(
        Step, on_delete=models.CASCADE, null=True, blank=True, related_name="transitions"
    )
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action} → {self.to_status}"

    @property
    def action_display(self) -> str:
        return str(TRANSITION_ACTIONS.get(self.action, self.action))

    @property
    def to_status_display(self) -> str:
        step_first = (StepStatus, ApplicationStatus)
        ordered = step_first if self.step_id else tuple(reversed(step_first))
        for labels in (*ordered, DeliveryStatus):
            if self.to_status in labels.values:
                return str(labels(self.to_status).label)
        return self.to_status

    @property
    def actor_role_display(self) -> str:
        if self.actor_role in Role.values:
            return str(Role(self.actor_role).label)
        return str(ACTOR_ROLES.get(self.actor_role, self.actor_role))


def decision_payload(
    ref: str, step_key: str, action: str, to_status: str, reason: str
) -> dict[str, str]:
    """What the ledger digests for a decision (or a delivery's hand-over); the audit
    (`selectors.audit_decisions`) rebuilds it from the stored Transition row to prove the row
    was not changed afterwards."""
    return {
        "ref": ref,
        "step": step_key,
        "action": action,
        "to": to_status,
        "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
    }


FILING_EVENTS = ("application.filed", "application.amended")


def _sha256_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def filing_payload(
    ref: str, item_version_id: int, form_data: Any, materials: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    """What the ledger digests for a filing (and for each later change of its form or
    materials): the audit rebuilds it from the Application row and its uploads, so a form
    changed in the database, or an application deleted, no longer matches the ledger.
    `materials` are (material key, SHA-256 of the file) pairs."""
    return {
        "ref": ref,
        "service_version": item_version_id,
        "form_sha256": _sha256_json(form_data),
        "materials_sha256": _sha256_json(sorted([key, digest] for key, digest in materials)),
    }


class ReferenceCounter(models.Model):
    """The last sequence number handed out per county and day, for gapless readable refs."""

    prefix = models.CharField(max_length=16, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class FetchStatus(models.TextChoices):
    PENDING = "pending", _("Being fetched")
    FETCHED = "fetched", _("Verified at the source")
    NOT_FOUND = "not_found", _("No record at the source")
    UNAVAILABLE = "unavailable", _("Source unavailable; the platform will try again")
    REFUSED = "refused", _("The source did not permit this request")
    UPLOADED = "uploaded", _("Uploaded by the applicant instead")


# Statuses where the applicant is asked to upload the document (or to let the platform retry).
FETCH_NEEDS_APPLICANT = frozenset(
    {FetchStatus.NOT_FOUND, FetchStatus.UNAVAILABLE, FetchStatus.REFUSED}
)


# The encryption context of a fetched material's verified fields (`data_encrypted`).
FETCHED_CONTEXT = "applications.fetched_material"


class FetchedMaterial(models.Model):
    """A material the platform fetched for the applicant from another department's data
    ("once-only"), with the consent given on the form. The granted fields are kept encrypted;
    the exchange message says who answered, and its ledger entry proves it."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="fetched_materials"
    )
    material_key = models.CharField(max_length=32)
    service = models.ForeignKey("exchange.DataService", on_delete=models.PROTECT, related_name="+")
    consumer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=FetchStatus.choices, default=FetchStatus.PENDING
    )
    data_encrypted = models.TextField(blank=True)
    message = models.ForeignKey(
        "exchange.ExchangeMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "material_key"], name="one_fetch_per_material"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "unavailable"]),
                name="fetch_retry_queue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.material_key} {self.status}"

    @property
    def needs_applicant(self) -> bool:
        return self.status in FETCH_NEEDS_APPLICANT


# ----- delivery of the paper result ------------------------------------------------------------


class DeliveryStatus(models.TextChoices):
    PREPARING = "preparing", _("Being prepared for posting")
    DISPATCHED = "dispatched", _("Posted")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned to the hall")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    HANDED_OVER = "handed_over", _("Collected")


class Carrier(models.TextChoices):
    EMS = "ems", _("China Post EMS")
    CHINA_POST = "china_post", _("China Post registered mail")
    SF_EXPRESS = "sf_express", _("SF Express")
    JD_LOGISTICS = "jd_logistics", _("JD Logistics")


class DeliveryAddress(models.Model):
    """Where the paper result of a postal delivery goes, given at filing. Name, mobile,
    street and postal code are one AES-GCM token (personal data); the division stays plain
    so that halls can sort their post by county without decrypting anything."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="delivery_address"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    recipient_encrypted = models.TextField(editable=False)

    def __str__(self) -> str:
        return f"address of {self.application_id}"


class Delivery(models.Model):
    """The paper result of an approved application on its way: posted (carrier, tracking
    number, delivered or returned) or waiting at a hall for the applicant (pickup code)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="paper_delivery"
    )
    method = models.CharField(_("method"), max_length=16)
    status = models.CharField(_("status"), max_length=24, choices=DeliveryStatus.choices)
    # The service hall of the county that received the application: it prints and posts the
    # result, or keeps it for pickup.
    hall = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("carrier"), max_length=16, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    pickup_code_encrypted = models.TextField(blank=True, editable=False)
    failed_code_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["hall", "status"], name="delivery_hall_queue")]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.application_id} {self.method} {self.status}"

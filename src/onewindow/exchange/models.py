"""Data services departments publish, grants to use them, signing keys, and the message log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.identity.models import Business, Department


class SharingClass(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Shared without conditions")
    CONDITIONAL = "conditional", _("Shared under a grant")
    NOT_SHARED = "not_shared", _("Not shared")


class DataService(models.Model):
    """A question a department answers from its own records, e.g. a household lookup.

    `request_fields` name what the consumer sends (e.g. ["resident_id"]); `response_fields`
    are [{"name", "type", "label_zh", "label_en"}]: only granted ones ever leave."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    provider = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="data_services")
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    subject_kind = models.CharField(
        _("subject"), max_length=16, choices=[("person", _("Person")), ("business", _("Business"))]
    )
    request_fields = models.JSONField(default=list)
    response_fields = models.JSONField(default=list)
    sharing_class = models.CharField(
        _("sharing class"), max_length=16, choices=SharingClass.choices
    )
    legal_basis_zh = models.TextField(blank=True)
    legal_basis_en = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.response_fields]


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")


class AccessGrant(models.Model):
    """A consumer department may ask a data service, for one purpose, for these fields only."""

    service = models.ForeignKey(DataService, on_delete=models.CASCADE, related_name="grants")
    consumer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="grants")
    purpose = models.CharField(_("purpose"), max_length=64)  # a service item code or case type
    fields = models.JSONField(_("granted fields"), default=list)
    status = models.CharField(max_length=16, choices=GrantStatus.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["service", "consumer", "purpose", "status"])]

    def __str__(self) -> str:
        return f"{self.consumer_id} → {self.service_id} for {self.purpose}"


class ProviderRecord(models.Model):
    """A record in the providing department's own data, keyed by a keyed hash of its subject
    (resident ID or credit code) and kept encrypted. The demo fills these; in production a
    data service answers from the department's own system through an adapter."""

    service = models.ForeignKey(DataService, on_delete=models.CASCADE, related_name="records")
    subject_hash = models.CharField(max_length=64)
    data_encrypted = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "subject_hash"], name="one_record_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.subject_hash[:8]}"


class DepartmentKey(models.Model):
    """A department's Ed25519 signing key; old keys stay to verify what they signed."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="keys")
    kid = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_jwk_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class MessageStatus(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NOT_FOUND = "not_found", _("No record")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class ExchangeMessage(models.Model):
    """One call, answered or not: who asked whom about whom, why, and what came of it.
    Request and response are kept encrypted; their digest goes to the ledger."""

    nonce = models.CharField(max_length=64, unique=True)
    service = models.ForeignKey(DataService, on_delete=models.PROTECT, related_name="messages")
    # Null when the request could not be trusted enough to say who sent it.
    consumer = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=64)
    case_ref = models.CharField(max_length=64, blank=True)
    actor = models.CharField(max_length=150)  # the officer's account name, or "system"
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    reason = models.CharField(max_length=200, blank=True)
    request_encrypted = models.TextField()
    response_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    disclose_after = models.DateTimeField(null=True, blank=True)  # secrecy order
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_user", "-created_at"], name="exchange_about_person"),
            models.Index(
                fields=["subject_business", "-created_at"], name="exchange_about_business"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_id} asked {self.service_id}: {self.status}"


class MisuseStatus(models.TextChoices):
    OPEN = "open", _("Being looked into")
    UPHELD = "upheld", _("Upheld: the access was improper")
    DISMISSED = "dismissed", _("Dismissed: the access was proper")


class MisuseReport(models.Model):
    """A person's report that a department read their data without a proper reason: a case
    for the supervisor of the department that asked."""

    case = models.CharField(_("case"), max_length=32, unique=True)
    message = models.ForeignKey(
        ExchangeMessage, on_delete=models.PROTECT, related_name="misuse_reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("what seems wrong"))
    status = models.CharField(
        _("status"), max_length=16, choices=MisuseStatus.choices, default=MisuseStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    finding = models.TextField(_("finding"), blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"],
                condition=models.Q(status="open"),
                name="one_open_report_per_access",
            )
        ]
        indexes = [models.Index(fields=["department", "status"], name="misuse_queue")]

    def __str__(self) -> str:
        return self.case

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


# ----- credit profiles ------------------------------------------------------------------------


class CreditProfile(models.Model):
    """The credit platform's aggregate for one business, keyed by its unified social credit
    code and written only by a refresh that asks the departments' data services."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("business name"), max_length=200)
    # Public by law (the national enterprise credit publicity system names them); no ID number.
    legal_representative = models.CharField(_("legal representative"), max_length=60)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    registration_status = models.CharField(_("registration status"), max_length=30)
    registration_authority = models.CharField(_("registration authority"), max_length=100)
    # {service code: "answered" | "not_found" | the refusal}: what each source said last time.
    sources = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(default=timezone.now)
    refreshed_by = models.CharField(max_length=150)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["credit_code"]
        verbose_name = _("credit profile")

    def __str__(self) -> str:
        return f"{self.credit_code} {self.name}"


class CreditEntryKind(models.TextChoices):
    LICENCE = "licence", _("Administrative licence")
    PENALTY = "penalty", _("Administrative penalty")
    COMMENDATION = "commendation", _("Commendation")
    ABNORMAL_OPERATION = "abnormal_operation", _("Listed for abnormal operations")


class CreditEntry(models.Model):
    """One licence, penalty, commendation or abnormal-operations listing, as the department's
    data service reported it. `details` holds the record's public fields."""

    profile = models.ForeignKey(CreditProfile, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=24, choices=CreditEntryKind.choices)
    source = models.ForeignKey(DataService, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("decision or document number"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    authority = models.CharField(_("authority"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    details = models.JSONField(default=dict)
    # Penalties: the minimum and the maximum publicity period end (the rules are data, see
    # exchange.credit.PUBLICITY_RULES). Abnormal-operations listings: removed_on in details.
    minimum_publicity_ends_on = models.DateField(null=True, blank=True)
    publicity_ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-decided_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "source", "reference"], name="one_entry_per_source_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"

    @property
    def fine_yuan(self) -> str:
        """The fine in yuan for display ("12,000.00"), or "" when there is none."""
        fen = self.details.get("fine_fen")
        return f"{int(fen) / 100:,.2f}" if isinstance(fen, int) and fen > 0 else ""


class CreditRepair(models.Model):
    """A completed credit repair: the penalty's publicity ended early. The penalty entry
    stays (the owner still sees it); this row and its ledger entry are the history."""

    entry = models.OneToOneField(CreditEntry, on_delete=models.PROTECT, related_name="repair")
    application_ref = models.CharField(_("application"), max_length=64)
    repaired_at = models.DateTimeField(_("publicity ended"), default=timezone.now)
    publicity_would_have_ended_on = models.DateField(null=True, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"repair of {self.entry_id} by {self.application_ref}"

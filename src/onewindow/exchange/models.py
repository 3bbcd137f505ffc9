"""Data services departments publish, grants to use them, signing keys, and the message log."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import SigningKeyPair
from onewindow.identity.models import Business, DataAccess, Department


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


def division_prefix(code: str) -> str:
    """The digits every division code under `code` starts with: "320000" → "32",
    "320100" → "3201", "320106" → "320106" (GB/T 2260)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


class PeerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


# What a federated key id looks like: "<department code>:<YYYYMMDD>:<hex>" (signing._new_key).
KID_PATTERN = re.compile(r"^(?P<department>[0-9A-Za-z_-]{1,32}):\d{8}:[0-9a-f]{8}$")


class PeerRegion(models.Model):
    """Another OneWindow instance (another region) whose departments may call ours and whose
    answers ours accept. Its departments' public keys are fetched from its published JWKS and
    kept here; only keys of departments whose codes start with the region's division prefix
    are accepted, so a peer can never sign as one of our departments or another peer's."""

    code = models.CharField(_("division code"), max_length=6, unique=True)  # e.g. "320000"
    name = models.CharField(_("name"), max_length=100)
    base_url = models.URLField(_("base URL"), max_length=200)
    keys = models.JSONField(_("public keys"), default=list)  # JWKs, filtered at fetch time
    fetched_at = models.DateTimeField(_("keys fetched at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PeerStatus.choices, default=PeerStatus.ACTIVE
    )
    registered_by = models.CharField(max_length=150)  # the administrator's account name
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("peer region")
        verbose_name_plural = _("peer regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def prefix(self) -> str:
        return division_prefix(self.code)

    def owns_department(self, department_code: str) -> bool:
        return department_code.startswith(self.prefix)


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")


class AccessGrant(models.Model):
    """A consumer department may ask a data service, for one purpose, for these fields only.

    The consumer is one of ours (`consumer`) or a department of a peer region (`peer` and
    its `remote_consumer` code), never both."""

    service = models.ForeignKey(DataService, on_delete=models.CASCADE, related_name="grants")
    consumer = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    peer = models.ForeignKey(
        PeerRegion, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    remote_consumer = models.CharField(_("remote department code"), max_length=32, blank=True)
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
    # Calls under this grant may carry a legal secrecy order (investigations): the person sees
    # them only after the order's disclosure date.
    allows_secrecy = models.BooleanField(_("allows secrecy orders"), default=False)

    class Meta:
        indexes = [
            models.Index(fields=["service", "consumer", "purpose", "status"]),
            models.Index(
                fields=["service", "peer", "remote_consumer", "purpose"], name="grant_remote"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(consumer__isnull=False, peer__isnull=True, remote_consumer="")
                    | (Q(consumer__isnull=True, peer__isnull=False) & ~Q(remote_consumer=""))
                ),
                name="grant_consumer_local_or_remote",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer_code} → {self.service_id} for {self.purpose}"

    @property
    def consumer_code(self) -> str:
        """The consumer as the ledger names it: "330106-CA", or "320000/320100-CA"."""
        if self.consumer is not None:
            return self.consumer.code
        return f"{self.peer.code if self.peer else ''}/{self.remote_consumer}"

    @property
    def consumer_name(self) -> str:
        """The consumer for pages: our department's name, or a peer region's department code."""
        if self.consumer is not None:
            return self.consumer.name
        return f"{self.remote_consumer} · {self.peer.name if self.peer else ''}"


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


class DepartmentKey(SigningKeyPair):
    """A department's Ed25519 signing key; old keys stay to verify what they signed."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="keys")
    kid = models.CharField(max_length=64, unique=True)


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
    # Null when the request could not be trusted enough to say who sent it, or when a
    # department of a peer region sent it (then `peer` and `remote_consumer` say which).
    consumer = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    peer = models.ForeignKey(
        PeerRegion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    remote_consumer = models.CharField(max_length=32, blank=True)
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
    # What the subject sees of this call on "who read my data" (none when nothing was read
    # or the subject is unknown).
    access = models.OneToOneField(
        DataAccess,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_message",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_user", "-created_at"], name="exchange_about_person"),
            models.Index(
                fields=["subject_business", "-created_at"], name="exchange_about_business"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_id or self.remote_consumer} asked {self.service_id}: {self.status}"

    @property
    def consumer_name(self) -> str:
        """Who asked, for pages: our department's name, or a peer region's department code."""
        if self.consumer is not None:
            return self.consumer.name
        if self.peer is not None:
            return f"{self.remote_consumer} · {self.peer.name}"
        return ""


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


class RemoteCallStatus(models.TextChoices):
    PENDING = "pending", _("Sent, no outcome yet")
    ANSWERED = "answered", _("Answered")
    NOT_FOUND = "not_found", _("No record")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class RemoteCall(models.Model):
    """One call one of our departments made to a peer region's data service: written before
    the request leaves and completed with what came back, so a call that timed out, was
    refused or never finished is still on record. The provider keeps its own log."""

    nonce = models.CharField(max_length=64, unique=True)
    peer = models.ForeignKey(PeerRegion, on_delete=models.PROTECT, related_name="calls")
    consumer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    provider_code = models.CharField(max_length=32)
    service_code = models.CharField(max_length=64)
    purpose = models.CharField(max_length=64)
    case_ref = models.CharField(max_length=64, blank=True)
    actor = models.CharField(max_length=150)
    status = models.CharField(
        max_length=16, choices=RemoteCallStatus.choices, default=RemoteCallStatus.PENDING
    )
    reason = models.CharField(max_length=200, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    request_encrypted = models.TextField()
    response_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["consumer", "-created_at"], name="remote_call_by_consumer")]

    def __str__(self) -> str:
        return f"{self.consumer_id} asked {self.peer_id}/{self.service_code}: {self.status}"
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

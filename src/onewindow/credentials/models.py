"""Electronic seals, the credentials they sign, shares of them, and trusted regions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import SigningKeyPair
from onewindow.credentials.kinds import KINDS
from onewindow.identity.models import Business, Department


class SealKey(SigningKeyPair):
    """A department's electronic seal: an Ed25519 key. A retired seal signs nothing new but
    stays in the trust list, so what it signed verifies for as long as it is valid."""

    # No department: the platform's trust anchor, which signs the region's trust list.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="seals"
    )
    kid = models.CharField(max_length=80, unique=True)
    qr_kid = models.CharField(max_length=16, unique=True)  # base64url of 8 bytes

    class Meta(SigningKeyPair.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(retired_at__isnull=True),
                name="one_active_seal_per_department",
            ),
            models.UniqueConstraint(
                fields=["retired_at"],
                condition=Q(department__isnull=True, retired_at__isnull=True),
                name="one_active_trust_anchor",
            ),
        ]


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class Credential(models.Model):
    """An issued licence or certificate. The subject, the SD-JWT and the QR payload hold
    personal data and are kept encrypted; `status_index` is its bit in the issuer's
    status list number `status_list` (bits allocated at random, so neighbours tell nothing;
    lists in sequence, a new one when the current one holds its capacity)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"), max_length=32, choices=[(code, kind.label) for code, kind in KINDS.items()]
    )
    issuer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="credentials")
    seal = models.ForeignKey(SealKey, on_delete=models.PROTECT, related_name="credentials")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credentials",
    )
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="credentials"
    )
    # The application (or other case) whose result this is: one credential of a kind per case.
    case_ref = models.CharField(_("case"), max_length=64)
    title = models.CharField(max_length=200)  # shown in lists: the company or holder, masked
    subject_encrypted = models.TextField()
    sd_jwt_encrypted = models.TextField()
    qr_encrypted = models.TextField()
    # Which of the issuer's status lists (0: the first, at the address without a number).
    status_list = models.PositiveIntegerField(default=0)
    status_index = models.PositiveIntegerField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CredentialStatus.choices, default="active"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_ledger_index = models.PositiveBigIntegerField(null=True, blank=True)
    status_ledger_index = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "status_list", "status_index"],
                name="one_bit_per_credential_in_its_list",
            ),
            models.UniqueConstraint(fields=["case_ref", "kind"], name="one_credential_per_case"),
            models.CheckConstraint(
                condition=Q(holder__isnull=False) | Q(business__isnull=False),
                name="credential_has_a_holder",
            ),
        ]
        indexes = [models.Index(fields=["issuer", "status"], name="credential_issuer_status")]
        verbose_name = _("credential")

    def __str__(self) -> str:
        return self.number

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.id}"

    @property
    def kind_info(self):  # type: ignore[no-untyped-def]
        return KINDS[self.kind]


class CredentialShare(models.Model):
    """The holder lets a third party see some fields of a credential until a time."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="shares")
    token_hash = models.CharField(max_length=64, unique=True)
    fields = models.JSONField(default=list)
    recipient = models.CharField(_("shared with"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("until"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.credential_id} → {self.recipient}"

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class TrustedRegion(models.Model):
    """Another region's issuers, imported from its signed trust list (mutual recognition)."""

    code = models.CharField(_("region code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("trust list address"))
    anchor_thumbprint = models.CharField(max_length=64)
    document = models.JSONField(default=dict)
    imported_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

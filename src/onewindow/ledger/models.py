"""The public ledger: entries, stored subtree hashes, checkpoints and witness cosignatures.

Every row here is public. Entries carry digests and public references only, never personal data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LogSequence(models.Model):
    """The one row that hands out entry indexes; locked by `record` until its caller commits.

    Holding the lock to commit keeps indexes gapless and committed in order, so integration
    always sees a contiguous run of pending entries.
    """

    next_index = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ledger sequence")

    def __str__(self) -> str:
        return f"next index {self.next_index}"


class TreeHead(models.Model):
    """The one row describing the integrated tree; `integrate_pending` locks it."""

    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tree head")

    def __str__(self) -> str:
        return f"tree of {self.size}"


class LedgerEntry(models.Model):
    """One leaf: `body` is the canonical JSON whose RFC 9162 leaf hash is `leaf_hash`."""

    index = models.BigIntegerField(_("index"), primary_key=True)
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    body = models.TextField(_("canonical JSON body"))
    event_type = models.CharField(_("event type"), max_length=64)
    subject_ref = models.CharField(_("subject reference"), max_length=64)
    created = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["leaf_hash"], name="ledger_entry_leaf_hash"),
            models.Index(fields=["subject_ref", "index"], name="ledger_entry_subject"),
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.event_type} {self.subject_ref}"


class TreeNode(models.Model):
    """The hash of the complete subtree of 2**level leaves starting at leaf index·2**level.

    Written once when the subtree completes; proofs and tiles read these and never rehash.
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("tree node")

    def __str__(self) -> str:
        return f"({self.level}, {self.index})"


class Checkpoint(models.Model):
    """A signed tree head, kept as the exact C2SP signed note that was published."""

    size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    created = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        ordering = ["-size"]
        get_latest_by = "size"
        verbose_name = _("checkpoint")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's cosignature/v1 line on a checkpoint."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness_name = models.CharField(_("witness"), max_length=200)
    key_id = models.CharField(_("key ID"), max_length=8)
    signature_line = models.TextField(_("signature line"))
    timestamp = models.BigIntegerField(_("cosigned at (POSIX)"))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cosignature")
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness_name", "key_id"], name="ledger_one_cosignature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.witness_name} on {self.checkpoint}"


class AuditKind(models.TextChoices):
    LOG = "log", _("The ledger's tree and signatures")
    RECORDS = "records", _("Filings, decisions and issuances against the ledger")


class AuditRun(models.Model):
    """One run of a scheduled audit: when, and whether everything matched. The public ledger
    page shows the last clean run of each kind; platform admins are told of the others."""

    kind = models.CharField(_("audit"), max_length=16, choices=AuditKind.choices)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    is_clean = models.BooleanField(_("everything matched"))
    checked = models.PositiveIntegerField(_("records checked"), default=0)
    # Findings name entry indexes, checkpoint sizes and public references: never personal data.
    findings = models.JSONField(_("findings"), default=list)

    class Meta:
        verbose_name = _("audit run")
        indexes = [
            models.Index(fields=["kind", "is_clean", "-finished_at"], name="ledger_audit_last")
        ]

    def __str__(self) -> str:
        return f"{self.kind} audit at {self.finished_at:%Y-%m-%d %H:%M}"

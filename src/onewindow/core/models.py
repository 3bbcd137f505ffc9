"""The administrative map: six levels of divisions, from the nation to the village."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import EconomicRegion, Level, UrbanRural, code_matches_level


class SigningKeyPair(models.Model):
    """An asymmetric signing key as departments and seals keep it: the public JWK in the clear,
    the private one encrypted, and the time it was retired (old keys stay to verify what they
    signed). Concrete models add the key id and whose key it is."""

    kid: models.CharField[str, str]
    public_jwk = models.JSONField()
    private_jwk_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class Division(models.Model):
    """One division; `path` lists the codes from the nation down, for subtree queries."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=120, unique=True, editable=False)
    urban_rural = models.CharField(
        _("urban–rural class"), max_length=3, choices=UrbanRural.choices, blank=True
    )
    economic_region = models.CharField(
        _("economic region"), max_length=12, choices=EconomicRegion.choices, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        prefix = self.parent.path if self.parent is not None else "/"
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def is_urban(self) -> bool | None:
        return UrbanRural.is_urban(self.urban_rural) if self.urban_rural else None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not code_matches_level(self.code, self.level):
            errors["code"] = str(_("The code does not have the format of its level."))
        if self.parent is not None and self.parent.level >= self.level:
            errors["parent"] = str(_("The parent must be at a higher level."))
        if self.level >= Level.TOWNSHIP and not self.urban_rural:
            errors["urban_rural"] = str(_("Townships and villages need an urban–rural class."))
        if self.level == Level.PROVINCE and not self.economic_region:
            errors["economic_region"] = str(_("Provinces need an economic region."))
        if errors:
            raise ValidationError(errors)

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/") if code != self.code]

    def is_within(self, other: Division) -> bool:
        """True when this division is `other` or lies inside it."""
        return self.path.startswith(other.path)


class IdempotentRequest(models.Model):
    """The answer a POST with an `Idempotency-Key` gave, written in the transaction of its
    write so that a committed write always has its answer (core/idempotency.py)."""

    owner = models.CharField(max_length=64)  # who sent it ("user:<pk>"): keys are per owner
    operation = models.CharField(max_length=255)  # "POST /api/v1/applications"
    key = models.CharField(max_length=64)
    request_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "operation", "key"], name="one_answer_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class RateCounter(models.Model):
    """One window of one rate limit for one requester (core.ratelimit), when the counters
    live in the database. `key` holds a keyed hash, never an address or number; rows whose
    window has ended are deleted by the worker's tick."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.FloatField(db_index=True)  # seconds since the epoch, as `limits` uses

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class HeldTask(models.Model):
    """A background task that could not reach Redis when it was enqueued.

    `core.task_queue.DurableRQBackend` writes it here instead, and the worker's relay hands it
    to Redis under the same job id once Redis answers again (see docs/adr/0010).
    """

    job_id = models.CharField(max_length=64, unique=True)
    task_path = models.CharField(max_length=255)
    queue_name = models.CharField(max_length=100)
    priority = models.SmallIntegerField(default=0)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    run_after = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.job_id})"


class WorkerBeat(models.Model):
    """A running `onewindow worker`: a task it claimed while its beat is fresh is its own;
    once the beat is stale, the worker is taken for dead and its running task is queued
    again (core/workers.py)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"

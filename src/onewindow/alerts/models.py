"""Public alerts (OASIS CAP 1.2): who issued them, in which languages, for which area, and
who in that area got each one.

An update or a cancellation is an alert of its own that `references` the one before it; the
chain's newest published message is the one in force. `AlertDelivery` is unique per alert and
resident, written in the transaction of the resident's inbox message, so a fan-out that runs
again (a worker killed mid-way) skips whoever already has theirs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import Division
from onewindow.identity.models import Department


class Category(models.TextChoices):
    """CAP 1.2 `category` values."""

    GEO = "Geo", _("Geophysical")
    MET = "Met", _("Meteorological")
    SAFETY = "Safety", _("General safety")
    SECURITY = "Security", _("Law enforcement and security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Public health")
    ENV = "Env", _("Pollution and environment")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Utilities and infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear or explosive")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate: act now")
    EXPECTED = "Expected", _("Expected: act within the hour")
    FUTURE = "Future", _("Future: act in the near future")
    PAST = "Past", _("Past: no action needed any more")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme: extraordinary threat to life or property")
    SEVERE = "Severe", _("Severe: significant threat to life or property")
    MODERATE = "Moderate", _("Moderate: possible threat to life or property")
    MINOR = "Minor", _("Minor: minimal threat")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely (more than 50%)")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class MessageType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancellation")


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting a second officer")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class Alert(models.Model):
    """One CAP message: an alert, an update of one, or its cancellation."""

    ref = models.CharField(_("reference"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("issued by")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts_authored"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts_approved",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    msg_type = models.CharField(_("message type"), max_length=8, choices=MessageType.choices)
    references = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("updates or cancels"),
    )
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    onset = models.DateTimeField(_("onset"))
    expires = models.DateTimeField(_("expires"))
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    web = models.URLField(_("web link"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # An "Extreme / Immediate" alert goes out on its author's word and is reviewed after.
    sent_before_review = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    fan_out_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires"], name="alerts_current_idx")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.ref

    def info(self, language: str | None = None) -> AlertInfo:
        """The info block in `language` (the active one by default), else the Chinese one."""
        wanted = "en" if not (language or get_language() or "zh").startswith("zh") else "zh-hans"
        blocks = {block.language: block for block in self.infos.all()}
        return blocks.get(wanted) or blocks["zh-hans"]

    @property
    def is_current(self) -> bool:
        return (
            self.status == Status.PUBLISHED
            and self.superseded_by_id is None
            and self.expires > timezone.now()
        )


class AlertInfo(models.Model):
    """The words of an alert in one language (CAP `info`): Chinese always, English optional."""

    LANGUAGES = (("zh-hans", "中文"), ("en", "English"))

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="infos")
    language = models.CharField(max_length=8, choices=LANGUAGES)
    event = models.CharField(_("event"), max_length=100)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"))
    instruction = models.TextField(_("instruction"))
    area_description = models.CharField(_("area description"), max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "language"], name="one_info_per_language")
        ]

    def __str__(self) -> str:
        return self.headline


class AreaKind(models.TextChoices):
    DIVISION = "division", _("Administrative division")
    POLYGON = "polygon", _("Polygon")
    CIRCLE = "circle", _("Circle")


class AlertArea(models.Model):
    """One piece of an alert's area: a division (and everything in it), a polygon of
    (latitude, longitude) points, first equal to last, or a circle (centre, radius in km)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="areas")
    kind = models.CharField(max_length=10, choices=AreaKind.choices)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)
    points = models.JSONField(default=list, blank=True)  # [[lat, lon], ...]
    radius_km = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} of {self.alert}"


class DivisionExtent(models.Model):
    """Where a division lies on the map, as alerts need it: its bounding box (a department's
    jurisdiction for drawn areas) and a centre point (a village is in a drawn area when its
    centre is). Divisions without an extent can be named by code, not drawn around."""

    division = models.OneToOneField(Division, on_delete=models.CASCADE, related_name="extent")
    south = models.FloatField()
    west = models.FloatField()
    north = models.FloatField()
    east = models.FloatField()
    centre_lat = models.FloatField()
    centre_lon = models.FloatField()

    def __str__(self) -> str:
        return f"{self.division.code} [{self.south},{self.west} – {self.north},{self.east}]"


class PlaceKind(models.TextChoices):
    HOME_VILLAGE = "home_village", _("Home village")
    PARENTS = "parents", _("Parents' village")
    WORKPLACE = "workplace", _("Workplace")


class ResidentPlace(models.Model):
    """A place besides the registered division where a resident wants alerts for."""

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_places"
    )
    kind = models.CharField(_("kind of place"), max_length=16, choices=PlaceKind.choices)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, verbose_name=_("division"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident", "kind"], name="one_alert_place_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.division.code}"


class AlertDelivery(models.Model):
    """An alert as one resident got it: their inbox message (with its e-mail and SMS copies)
    and, for a resident without a mobile phone, the village agent who told them in person."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    message = models.ForeignKey(
        "notify.Message", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    needs_visit = models.BooleanField(default=False)
    informed_at = models.DateTimeField(null=True, blank=True)
    informed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient"], name="one_delivery_per_alert_and_resident"
            )
        ]
        indexes = [models.Index(fields=["alert", "division"], name="alerts_delivery_div_idx")]

    def __str__(self) -> str:
        return f"{self.alert} → {self.recipient_id}"


class AlertCounter(models.Model):
    """The last sequence number of alerts under a reference prefix (division + day)."""

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class HealthColour(models.TextChoices):
    """A health and travel code's colour (the credential's `colour`, see credentials.kinds)."""

    GREEN = "green", pgettext_lazy("health code", "Green")
    YELLOW = "yellow", pgettext_lazy("health code", "Yellow")
    RED = "red", pgettext_lazy("health code", "Red")


class HealthStatus(models.Model):
    """A resident's health code colour as the health department holding it last set it. The
    code the resident shows is a credential (kind `health_code`, valid 24 hours) sealed by
    that department; `code` is the latest one, replaced (the old one revoked) when the colour
    changes and reissued when it runs out. Only a digest of `reason` goes to the ledger."""

    resident = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_status"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    colour = models.CharField(_("code colour"), max_length=8, choices=HealthColour.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    # None: the first, green code a resident asked for.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    code = models.ForeignKey(
        "credentials.Credential", on_delete=models.PROTECT, null=True, related_name="+"
    )
    codes_issued = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("health code status")
        verbose_name_plural = _("health code statuses")

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.colour}"

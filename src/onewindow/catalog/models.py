"""The service catalogue: every service item, versioned, with its guide, form and workflow."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level


class ServiceType(models.TextChoices):
    ADMINISTRATIVE_LICENCE = "licence", _("Administrative licence")
    ADMINISTRATIVE_CONFIRMATION = "confirmation", _("Administrative confirmation")
    ADMINISTRATIVE_REGISTRATION = "registration", _("Administrative registration")
    ADMINISTRATIVE_PAYMENT = "payment", _("Administrative payment")
    PUBLIC_SERVICE = "public_service", _("Public service")
    OTHER = "other", _("Other administrative power")


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("Citizens")
    BUSINESS = "business", _("Businesses")
    BOTH = "both", _("Citizens and businesses")


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded by the applicant")
    EXCHANGE = "exchange", _("Fetched from another department's data")
    PLATFORM = "platform", _("Produced by the platform")


class Delivery(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic licence")
    PICKUP = "pickup", _("Pick up at the service hall")
    POST = "post", _("Delivered by post")


class ServiceItem(models.Model):
    """A service's identity, stable across versions; what it says lives in its versions."""

    code = models.CharField(_("item code"), max_length=32, unique=True)
    department_kind = models.CharField(_("competent department"), max_length=32)
    level = models.PositiveSmallIntegerField(_("level handled at"), choices=Level.choices)
    life_events = models.JSONField(_("life events"), default=list, blank=True)
    is_apply_anywhere = models.BooleanField(_("can be handled in any region"), default=False)
    current_version = models.ForeignKey(
        "ServiceItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.current_version.name if self.current_version else self.code


class ServiceItemVersion(models.Model):
    """One published wording of a service. An application keeps the version it was filed under.

    `materials` is a list of {"key", "name_zh", "name_en", "source" (MaterialSource),
    "exchange_service" (declared data source when source is exchange), "is_required"}.
    `form_schema` is a JSON Schema (draft 2020-12) object; `workflow` is the text of the
    declarative workflow definition (see `catalog.workflow_definition`), validated on publish.
    """

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(default=timezone.now)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=250)
    guide_zh = models.TextField(_("guide (Chinese)"), blank=True)
    guide_en = models.TextField(_("guide (English)"), blank=True)
    keywords_zh = models.CharField(_("keywords (Chinese)"), max_length=500, blank=True)
    keywords_en = models.CharField(_("keywords (English)"), max_length=500, blank=True)
    service_type = models.CharField(_("type"), max_length=16, choices=ServiceType.choices)
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    legal_basis_zh = models.TextField(_("legal basis (Chinese)"), blank=True)
    legal_basis_en = models.TextField(_("legal basis (English)"), blank=True)
    materials = models.JSONField(_("required materials"), default=list, blank=True)
    fee_fen = models.PositiveIntegerField(_("fee in fen"), default=0)
    statutory_days = models.PositiveSmallIntegerField(_("statutory time limit, working days"))
    promised_days = models.PositiveSmallIntegerField(_("promised time limit, working days"))
    visits = models.PositiveSmallIntegerField(_("in-person visits needed"), default=0)
    delivery_options = models.JSONField(_("delivery options"), default=list, blank=True)
    credential_kind = models.CharField(_("electronic licence issued"), max_length=32, blank=True)
    form_schema = models.JSONField(_("application form (JSON Schema)"), default=dict)
    workflow = models.TextField(_("workflow definition"))

    class Meta:
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_version"),
            models.CheckConstraint(
                condition=models.Q(promised_days__lte=models.F("statutory_days")),
                name="promise_within_statutory_limit",
            ),
        ]
        verbose_name = _("service item version")

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def guide(self) -> str:
        return self.guide_zh if (get_language() or "").startswith("zh") else self.guide_en

    def material_name(self, key: str) -> str:
        """A material's name in the current language; `key` ("photo") is only an identifier."""
        is_chinese = (get_language() or "").startswith("zh")
        for material in self.materials:
            if material.get("key") == key:
                return str(material["name_zh"] if is_chinese else material["name_en"])
        return key


class SearchTerm(models.Model):
    """One segmented term of an item's current version, with its weight (the search index).

    A plain table rather than a full-text engine, so ranking and facets work the same on
    SQLite and PostgreSQL; rebuilt for an item whenever a version is published.
    """

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=64)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["term"], name="catalog_search_term")]
        constraints = [
            models.UniqueConstraint(fields=["item", "term"], name="unique_item_search_term")
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.item_id} ({self.weight})"

"""The service catalogue: every service item, versioned, with its guide, form and workflow."""

from __future__ import annotations

from django.conf import settings
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
    ADMINISTRATIVE_INSPECTION = "inspection", _("Administrative inspection")
    ADMINISTRATIVE_REWARD = "reward", _("Administrative reward")
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


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")
    ELECTRONIC = "electronic", _("Electronic")


class OnlineDepth(models.TextChoices):
    """How far a service goes online (网上办理深度), from a guide only to fully online."""

    INFORMATION = "information", _("Guide online, handled at the hall")
    DOWNLOAD = "download", _("Forms to download, handled at the hall")
    ONLINE_FILING = "online_filing", _("Filed online, visit the hall to finish")
    FULLY_ONLINE = "fully_online", _("Fully online")


ONLINE_DEPTHS_FILED_ONLINE = frozenset({OnlineDepth.ONLINE_FILING, OnlineDepth.FULLY_ONLINE})


class ResultType(models.TextChoices):
    LICENCE = "licence", _("A licence or certificate")
    DOCUMENT = "document", _("A written decision or document")
    NONE = "none", _("No document")


class AnywhereScope(models.TextChoices):
    """Where else an apply-anywhere service may be handled (通办范围)."""

    NONE = "none", _("Only in the applicant's county")
    CITY = "city", _("Anywhere in the city")
    PROVINCE = "province", _("Anywhere in the province")
    NATIONWIDE = "nationwide", _("Anywhere in the country")


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

    The fields are those of the implementation list (实施清单) of China's integrated
    government-services platform. `materials` is a list of {"key", "name_zh", "name_en",
    "source" (MaterialSource), "exchange_service" (declared data source when source is
    exchange), "is_required", "form" (MaterialForm), "copies"}.
    `form_schema` is a JSON Schema (draft 2020-12) object; `workflow` is the text of the
    declarative workflow definition (see `catalog.workflow_definition`), validated on publish.
    """

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(default=timezone.now)
    change_reason = models.TextField(_("reason for the change"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    basic_code = models.CharField(_("basic code"), max_length=40, blank=True)
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
    fee_basis_zh = models.TextField(_("basis of the fee (Chinese)"), blank=True)
    fee_basis_en = models.TextField(_("basis of the fee (English)"), blank=True)
    conditions_zh = models.TextField(_("conditions (Chinese)"), blank=True)
    conditions_en = models.TextField(_("conditions (English)"), blank=True)
    online_depth = models.CharField(
        _("online depth"),
        max_length=16,
        choices=OnlineDepth.choices,
        default=OnlineDepth.FULLY_ONLINE,
    )
    hall_zh = models.CharField(_("where to go (Chinese)"), max_length=300, blank=True)
    hall_en = models.CharField(_("where to go (English)"), max_length=300, blank=True)
    hours_zh = models.CharField(_("opening hours (Chinese)"), max_length=200, blank=True)
    hours_en = models.CharField(_("opening hours (English)"), max_length=200, blank=True)
    result_type = models.CharField(
        _("result"), max_length=16, choices=ResultType.choices, default=ResultType.DOCUMENT
    )
    result_name_zh = models.CharField(_("result name (Chinese)"), max_length=200, blank=True)
    result_name_en = models.CharField(_("result name (English)"), max_length=250, blank=True)
    anywhere_scope = models.CharField(
        _("apply-anywhere scope"),
        max_length=16,
        choices=AnywhereScope.choices,
        default=AnywhereScope.NONE,
    )
    contact_phone = models.CharField(_("phone for questions"), max_length=40, blank=True)
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

    def in_language(self, field_name: str) -> str:
        """A bilingual field (`conditions`, `hall`, ...) in the current language."""
        suffix = "zh" if (get_language() or "").startswith("zh") else "en"
        return str(getattr(self, f"{field_name}_{suffix}"))

    @property
    def is_filed_online(self) -> bool:
        return self.online_depth in ONLINE_DEPTHS_FILED_ONLINE

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


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Waiting for approval")
    RETURNED = "returned", _("Returned to the editor")
    PUBLISHED = "published", _("Published")


class ServiceDraft(models.Model):
    """An editor's proposed next version of an item (or a new item), until an approver of the
    same department publishes it. `definition` holds `publish_service`'s arguments, its
    "guide" those of a `ServiceGuide`; nothing in it is public until it is published."""

    code = models.CharField(_("item code"), max_length=32)
    department_kind = models.CharField(_("competent department"), max_length=32)
    definition = models.JSONField(_("proposed version"))
    reason = models.TextField(_("reason for the change"))
    status = models.CharField(
        _("status"), max_length=16, choices=DraftStatus.choices, default=DraftStatus.DRAFT
    )
    # The version the editor started from: publishing refuses a draft overtaken by another.
    base_version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    import_batch = models.CharField(_("imported in batch"), max_length=32, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("approver's note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["department_kind", "status"], name="catalog_draft_queue")]
        verbose_name = _("service item draft")

    def __str__(self) -> str:
        return f"{self.code} draft {self.pk} ({self.status})"

    @property
    def name(self) -> str:
        guide = self.definition.get("guide", {})
        is_zh = (get_language() or "").startswith("zh")
        return str(guide.get("name_zh" if is_zh else "name_en") or self.code)

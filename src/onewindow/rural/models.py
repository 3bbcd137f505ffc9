"""Rural e-commerce (issue 25): producers (households, family farms, cooperatives), what they
list with its certificates, the partner platforms that sell it, and every sale once.

Money is integer fen; quantities are whole units of a fixed list. A listing's stock only ever
moves through one conditional UPDATE (services), so it cannot go below zero nor count a sale
twice; a partner's order is unique per partner and order id."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import Division
from onewindow.credentials.models import Credential
from onewindow.identity.models import AgentConsent, Business
from onewindow.payments.models import yuan


class ProducerKind(models.TextChoices):
    HOUSEHOLD = "household", _("Farming household")
    FAMILY_FARM = "family_farm", _("Family farm")
    COOPERATIVE = "cooperative", _("Farmers' cooperative")


class RegisteredVia(models.TextChoices):
    ONLINE = "online", _("Online, by the producer")
    VILLAGE_AGENT = "village_agent", _("By the village agent, with the producer's consent")


class Producer(models.Model):
    """A producer as the platform knows it: a resident (the household's head, the farm's
    owner, the cooperative's legal representative) and, where it has a unified social credit
    code, the business. Land and scale are declared, not checked."""

    ref = models.CharField(_("reference"), max_length=24, unique=True)
    kind = models.CharField(_("kind of producer"), max_length=16, choices=ProducerKind.choices)
    name = models.CharField(_("name"), max_length=100)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rural_producers"
    )
    business = models.OneToOneField(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="producer"
    )
    village = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    land_mu = models.DecimalField(_("land farmed (mu)"), max_digits=9, decimal_places=1)
    main_products = models.CharField(_("main products"), max_length=200)
    workers = models.PositiveSmallIntegerField(_("people working"), default=1)
    registered_via = models.CharField(max_length=16, choices=RegisteredVia.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The resident's recorded consent when a village agent registered them.
    consent = models.ForeignKey(
        AgentConsent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ref"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registered_via="online") | Q(consent__isnull=False),
                name="producer_registered_by_agent_with_consent",
            ),
            models.CheckConstraint(condition=Q(land_mu__gte=0), name="producer_land_not_negative"),
        ]
        verbose_name = _("producer")

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    VEGETABLES = "vegetables", _("Vegetables")
    FRUIT = "fruit", _("Fruit")
    TEA = "tea", _("Tea")
    GRAIN = "grain", _("Grain and oil")
    EGGS = "eggs", _("Eggs")
    MEAT = "meat", _("Livestock and poultry")
    AQUATIC = "aquatic", _("Fish and aquatic products")
    HONEY = "honey", _("Honey")
    HANDICRAFT = "handicraft", _("Handicrafts")


# Edible agricultural products leave the farm with a compliance certificate (承诺达标合格证,
# Ministry of Agriculture and Rural Affairs, 2019 trial, 2022 law on agricultural product
# quality and safety art. 39): every category but handicrafts.
NEEDS_COMPLIANCE_CERTIFICATE = frozenset(Category.values) - {Category.HANDICRAFT}


class Unit(models.TextChoices):
    JIN = "jin", _("jin (500 g)")
    KILOGRAM = "kg", _("kilogram")
    PIECE = "piece", _("piece")
    BOX = "box", _("box")
    DOZEN = "dozen", _("dozen")


class Listing(models.Model):
    """A product offered for sale: its origin village, stock, harvest date and price per unit.
    `feed_position` is the newest change's place in the partner feed (ListingChange)."""

    ref = models.CharField(_("reference"), max_length=24, unique=True)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="listings")
    product = models.CharField(_("product"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    village = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("origin village")
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    price_fen = models.PositiveIntegerField(_("price per unit (fen)"))
    quantity_listed = models.PositiveIntegerField(_("quantity listed"))
    quantity_available = models.PositiveIntegerField(_("in stock"))
    harvest_date = models.DateField(_("harvest date"))
    certificates = models.ManyToManyField(Credential, related_name="+", blank=True)
    is_open = models.BooleanField(_("open for sale"), default=True)
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    listed_at = models.DateTimeField(default=timezone.now)
    feed_position = models.PositiveBigIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["-listed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_available__lte=models.F("quantity_listed")),
                name="listing_stock_within_listed",
            ),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="listing_price_positive"),
        ]
        verbose_name = _("listing")

    def __str__(self) -> str:
        return f"{self.product} ({self.ref})"

    @property
    def price_yuan(self) -> str:
        return yuan(self.price_fen)


class FeedClock(models.Model):
    """One row whose lock every listing change takes before its ListingChange key, held to
    its commit: keys are then handed out in commit order, so a partner that has read up to
    a key never meets a smaller one committed later."""

    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"feed clock at {self.last}"


class ListingChange(models.Model):
    """One row per change of a listing: its key orders the partner feed, so "changes since
    a cursor" is `feed_position > cursor` (keys commit in order: FeedClock)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"change {self.pk} of listing {self.listing_id}"


class Partner(models.Model):
    """An e-commerce or logistics platform: reads the feed with its API key and reports
    orders signed with its secret (HMAC-SHA256), kept encrypted at rest."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_id = models.CharField(max_length=32, unique=True)
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class SaleChannel(models.TextChoices):
    PARTNER = "partner", _("Online, through a partner platform")
    OFFLINE = "offline", _("Offline, recorded by the village agent")


class Sale(models.Model):
    """A sale of a listing, counted once: a partner's order id is unique per partner."""

    ref = models.CharField(_("reference"), max_length=24, unique=True)
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="sales")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="sales")
    channel = models.CharField(_("channel"), max_length=8, choices=SaleChannel.choices)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="sales"
    )
    partner_order_id = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_fen = models.PositiveIntegerField(_("price per unit (fen)"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    sold_at = models.DateTimeField(_("sold at"))
    # 1 when it is the producer's first sale in its month (Shanghai time): counts active
    # producers per month by a plain sum.
    is_first_in_month = models.BooleanField(default=False)
    handed_over_at = models.DateTimeField(_("handed over at the station"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)

    class Meta:
        ordering = ["-sold_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "partner_order_id"],
                condition=Q(partner__isnull=False),
                name="sale_once_per_partner_order",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount_fen=models.F("quantity") * models.F("unit_price_fen")),
                name="sale_amount_is_quantity_times_price",
            ),
        ]
        indexes = [models.Index(fields=["sold_at"], name="rural_sale_sold_at")]
        verbose_name = _("sale")

    def __str__(self) -> str:
        return self.ref

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

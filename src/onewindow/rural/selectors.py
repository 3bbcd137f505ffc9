"""Reads of rural e-commerce that pages, the API and insights share."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.core.facts import flag
from onewindow.identity import services as identity_services
from onewindow.identity.models import User, UserKind
from onewindow.rural.models import Listing, Producer, Sale, SaleChannel

# Seasons by the harvest month.
SEASONS: dict[str, tuple[int, ...]] = {
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
    "winter": (12, 1, 2),
}
SEASON_LABELS = {
    "spring": _("Spring"),
    "summer": _("Summer"),
    "autumn": _("Autumn"),
    "winter": _("Winter"),
}
PAGE_SIZE = 50


def catalogue(
    *, query: str = "", village: str = "", season: str = "", category: str = ""
) -> QuerySet[Listing]:
    """Open listings with stock, for the public: searched by product, village (any division
    code: a county, a township or a village), harvest season and category."""
    found = Listing.objects.filter(is_open=True, quantity_available__gt=0).select_related(
        "producer", "village"
    )
    if query.strip():
        words = query.strip()[:50]
        found = found.filter(Q(product__icontains=words) | Q(producer__name__icontains=words))
    if village.strip():
        found = found.filter(village__code__startswith=village.strip()[:12])
    if season in SEASONS:
        found = found.filter(harvest_date__month__in=SEASONS[season])
    if category:
        found = found.filter(category=category)
    return found.order_by("-listed_at", "-pk")


def listing(ref: str) -> Listing:
    found = (
        Listing.objects.select_related("producer", "village")
        .prefetch_related("certificates")
        .filter(ref=ref)
        .first()
    )
    if found is None:
        raise NotFound(_("Unknown listing."), code="unknown_listing")
    return found


def producer(ref: str) -> Producer:
    """A producer's public page: its name, kind, village, declared land and listings."""
    found = Producer.objects.select_related("village").filter(ref=ref).first()
    if found is None:
        raise NotFound(_("Unknown producer."), code="unknown_producer")
    return found


def listings_of(producer: Producer) -> QuerySet[Listing]:
    return producer.listings.select_related("village").order_by("-listed_at")


def feed(cursor: int, *, limit: int = PAGE_SIZE) -> list[Listing]:
    """Listings changed after `cursor` (a feed position), oldest change first: every change
    once, a listing again only when it changed again."""
    return list(
        Listing.objects.select_related("producer", "village")
        .prefetch_related("certificates")
        .filter(feed_position__gt=cursor)
        .order_by("feed_position")[:limit]
    )


def producers_for(user: User) -> QuerySet[Producer]:
    """The producers a person may act for: their own, or (a village agent) those they
    registered."""
    if user.kind == UserKind.STATION_AGENT:
        return Producer.objects.filter(registered_by=user).select_related("village", "resident")
    return Producer.objects.filter(resident=user).select_related("village", "resident")


def access_producer(user: User, ref: str) -> Producer:
    """A producer `user` may act for now (own, or consented): NotFound otherwise."""
    found = producers_for(user).filter(ref=ref).first()
    if found is None or not (
        found.resident_id == user.pk or identity_services.valid_consent(user, found.resident)
    ):
        raise NotFound(_("Unknown producer."), code="unknown_producer")
    return found


def access_listing(user: User, ref: str) -> Listing:
    found = Listing.objects.select_related("producer").filter(ref=ref).first()
    if found is None:
        raise NotFound(_("Unknown listing."), code="unknown_listing")
    access_producer(user, found.producer.ref)
    return found


def sales_recorded_by(agent: User) -> QuerySet[Sale]:
    """What a village agent's station handles: sales of the producers the agent registered."""
    return Sale.objects.filter(producer__registered_by=agent).select_related("listing", "partner")


def access_station_sale(agent: User, ref: str) -> Sale:
    found = sales_recorded_by(agent).filter(ref=ref).first()
    if found is None:
        raise NotFound(_("Unknown sale."), code="unknown_sale")
    return found


def sale_facts(start: datetime, end: datetime) -> QuerySet[Sale]:
    """Sales in [start, end) as rows of facts for the insights app: placed in the origin
    village (`resident_division`), the producer's year of birth, `submitted_at` (when sold),
    amounts in yuan (`online_yuan`, `income_yuan`), `via_station` (handed over at the
    village service station) and `first_in_month` (counts active producers)."""
    yuan = ExpressionWrapper(
        Cast(F("amount_fen"), DecimalField(max_digits=16, decimal_places=2)) / Value(100),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )
    return Sale.objects.filter(sold_at__gte=start, sold_at__lt=end).annotate(
        resident_division=F("listing__village_id"),
        resident_birth_year=F("producer__resident__birth_year"),
        submitted_at=F("sold_at"),
        one=Value(1, output_field=IntegerField()),
        income_yuan=yuan,
        online_yuan=Case(
            When(channel=SaleChannel.PARTNER, then=yuan),
            default=Value(0),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        ),
        via_station=flag(Q(handed_over_at__isnull=False) | Q(channel=SaleChannel.OFFLINE)),
        first_in_month=flag(Q(is_first_in_month=True)),
    )

"""Sales counted once: partners' orders (the same order id again is the same sale), village
agents' offline sales, handovers at the station; stock never below zero and always the
listed quantity less what was sold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.rural import services
from onewindow.rural.models import Listing, Sale, SaleChannel
from onewindow.rural.services import PartnerOrder, StockExhausted
from tests.rural import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(agriculture: Department, farmer: User, divisions: dict[str, Division]) -> Listing:
    return factories.listing(farmer, factories.producer(farmer, divisions["village"]), quantity=20)


def _order(
    listing: Listing, order_id: str = "A-1", quantity: object = 3, **changes: object
) -> PartnerOrder:
    fields: dict[str, object] = {
        "order_id": order_id,
        "listing_ref": listing.ref,
        "quantity": quantity,
        "unit": listing.unit,
        "unit_price_fen": listing.price_fen,
        **changes,
    }
    return PartnerOrder(**fields)  # type: ignore[arg-type]


def test_a_partner_order_takes_stock_and_is_counted_once_when_reported_again(
    listing: Listing,
) -> None:
    partner, _key = factories.partner()

    sale, created = services.report_order(partner, _order(listing))
    again, created_again = services.report_order(partner, _order(listing))

    assert created
    assert not created_again
    assert again == sale
    assert sale.amount_fen == 3 * listing.price_fen
    assert sale.channel == SaleChannel.PARTNER
    listing.refresh_from_db()
    assert listing.quantity_available == 17
    assert Sale.objects.count() == 1
    assert LedgerEntry.objects.filter(event_type="rural.sale_recorded").count() == 1


def test_two_partners_may_use_the_same_order_id(listing: Listing) -> None:
    first, _ = factories.partner("好农货")
    second, _ = factories.partner("村邮通")
    services.report_order(first, _order(listing))
    services.report_order(second, _order(listing))
    assert Sale.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "error", "field", "code"),
    [
        ({"listing_ref": "LNOSUCH"}, NotFound, "listing", "unknown_listing"),
        ({"quantity": 21}, StockExhausted, "quantity", "quantity_above_stock"),
        ({"quantity": 0}, DomainError, "quantity", "quantity_invalid"),
        ({"unit": "kg"}, DomainError, "unit", "unit_mismatch"),
        ({"unit_price_fen": 128}, DomainError, "unit_price_fen", "price_mismatch"),
        ({"order_id": "a b"}, DomainError, "order_id", "order_id_invalid"),
        (
            {"sold_at": timezone.now() - timedelta(days=40)},
            DomainError,
            "sold_at",
            "sold_at_invalid",
        ),
    ],
)
def test_an_order_that_breaks_a_rule_names_it_and_counts_nothing(
    listing: Listing, changes: dict[str, object], error: type[DomainError], field: str, code: str
) -> None:
    partner, _key = factories.partner()

    with pytest.raises(error) as refused:
        services.report_order(partner, _order(listing, **changes))  # type: ignore[arg-type]

    assert (refused.value.field, refused.value.code) == (field, code)
    listing.refresh_from_db()
    assert listing.quantity_available == 20
    assert not Sale.objects.exists()


def test_an_order_id_reported_again_with_other_figures_conflicts(listing: Listing) -> None:
    partner, _key = factories.partner()
    services.report_order(partner, _order(listing, quantity=2))
    with pytest.raises(Conflict) as refused:
        services.report_order(partner, _order(listing, quantity=5))
    assert refused.value.code == "order_id_reused"
    listing.refresh_from_db()
    assert listing.quantity_available == 18


def test_an_agent_records_an_offline_sale_and_the_handover_at_the_station(
    listing: Listing, agent: User, farmer: User
) -> None:
    sale = services.record_offline_sale(agent, listing, quantity=4)
    assert sale.channel == SaleChannel.OFFLINE
    assert sale.recorded_by == agent

    partner, _key = factories.partner()
    online, _ = services.report_order(partner, _order(listing))
    handed = services.record_handover(agent, online, carrier="中国邮政", tracking_number="9876")

    assert handed.handed_over_at is not None
    assert handed.carrier == "中国邮政"
    with pytest.raises(Conflict):
        services.record_handover(agent, online, carrier="中国邮政")
    with pytest.raises(PermissionDenied):
        services.record_offline_sale(farmer, listing, quantity=1)
    with pytest.raises(DomainError) as refused:
        services.record_handover(agent, sale, carrier=" ")
    assert refused.value.field == "carrier"


def test_the_first_sale_of_a_month_marks_the_producer_active_once(
    listing: Listing, agent: User
) -> None:
    now = timezone.now()
    services.record_offline_sale(agent, listing, quantity=1, sold_at=now)
    services.record_offline_sale(agent, listing, quantity=1, sold_at=now)
    assert list(Sale.objects.order_by("pk").values_list("is_first_in_month", flat=True)) == [
        True,
        False,
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    orders=st.lists(
        st.tuples(
            st.sampled_from(["o1", "o2", "o3", "o4", "o5"]), st.integers(min_value=-2, max_value=12)
        ),
        max_size=12,
    )
)
def test_stock_is_always_the_listed_quantity_less_each_order_counted_once(
    agriculture: Department,
    farmer: User,
    divisions: dict[str, Division],
    orders: list[tuple[str, int]],
) -> None:
    producer = (
        factories.producer(farmer, divisions["village"])
        if not farmer.rural_producers.exists()
        else farmer.rural_producers.get()
    )
    listing = factories.listing(farmer, producer, quantity=20)
    partner, _key = factories.partner(f"p-{listing.ref}")
    accepted: dict[str, int] = {}
    for order_id, quantity in orders:
        try:
            services.report_order(partner, _order(listing, order_id, quantity))
        except DomainError:
            pass
        else:
            accepted.setdefault(order_id, quantity)
    listing.refresh_from_db()
    sold = Sale.objects.filter(listing=listing).aggregate(total=Sum("quantity"))["total"] or 0

    assert sold == sum(accepted.values())
    assert listing.quantity_available == 20 - sold >= 0
    assert Sale.objects.filter(listing=listing).count() == len(accepted)


@given(
    price=st.one_of(
        st.integers(min_value=-10, max_value=20_000_000),
        st.floats(allow_nan=True),
        st.text(max_size=6),
        st.none(),
        st.booleans(),
    ),
    unit=st.one_of(st.sampled_from(["jin", "kg", "piece", "box", "dozen"]), st.text(max_size=6)),
)
def test_a_price_is_accepted_only_in_whole_fen_per_unit_of_the_list(
    price: object, unit: str
) -> None:
    valid = (
        unit in {"jin", "kg", "piece", "box", "dozen"}
        and isinstance(price, int)
        and not isinstance(price, bool)
        and 1 <= price <= services.MAX_PRICE_FEN
    )
    if valid:
        assert services.check_price(price, unit) == price
    else:
        with pytest.raises(DomainError) as refused:
            services.check_price(price, unit)
        assert refused.value.field in {"price_fen", "unit"}
        assert refused.value.code in {"price_not_in_fen", "unit_invalid"}

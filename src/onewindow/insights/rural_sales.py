"""Rural e-commerce indicators (issue 25), from the rural app's sales: declared here and
registered when the app is ready, beside the urban–rural gap like every other indicator.
A sale is placed in its product's origin village, so a county's figure is its villages'."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onewindow.insights.indicators import Indicator, Kind, Source, register
from onewindow.rural import selectors as rural

SALES = Source(
    "rural-sales",
    rural.sale_facts,
    _("Sales of registered rural producers' listings, by the product's origin village"),
)


def register_rural_indicators() -> None:
    register(
        Indicator(
            "rural-online-sales",
            SALES,
            value="online_yuan",
            base="one",
            kind=Kind.RATE,
            name=_("Rural online sales per 10,000 residents"),
            formula=_(
                "Yuan of registered producers' sales reported by partner platforms, placed in "
                "the product's origin village ÷ residents registered there × 10,000."
            ),
            caveats=_(
                "Only producers registered on the platform and partners that report back are "
                "counted; sales reported late move the month they fall in."
            ),
            public=True,
            unit=str(_("yuan per 10,000")),
        ),
        Indicator(
            "rural-sales-income",
            SALES,
            value="income_yuan",
            base="one",
            kind=Kind.RATE,
            name=_("Rural producers' sales income per 10,000 residents"),
            formula=_(
                "Yuan of all sales of registered producers (online and offline, recorded by "
                "village agents) ÷ residents registered in the division × 10,000."
            ),
            caveats=_("Income is takings before costs; sales outside the platform are unseen."),
            unit=str(_("yuan per 10,000")),
        ),
        Indicator(
            "rural-producers-active",
            SALES,
            value="first_in_month",
            base="one",
            kind=Kind.RATE,
            name=_("Active rural producers per 10,000 residents"),
            formula=_(
                "Producers with at least one sale in the month, summed over the months shown "
                "÷ residents registered in the division × 10,000."
            ),
            caveats=_("Over several months a producer counts once per month with a sale."),
            unit=str(_("per 10,000")),
        ),
        Indicator(
            "rural-station-share",
            SALES,
            value="via_station",
            base="one",
            kind=Kind.PROPORTION,
            name=_("Rural sales through the village service station"),
            formula=_(
                "Sales handed over at the village service station or recorded there offline "
                "÷ all sales of registered producers."
            ),
            caveats=_("A parcel a courier collected from the farm is not through the station."),
            unit="%",
        ),
    )

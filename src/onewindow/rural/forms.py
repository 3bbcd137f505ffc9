"""Forms of the rural pages: they only parse; the rules are the services', whose errors land
back on these fields (FIELD_OF)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.rural.models import Category, ProducerKind, Unit
from onewindow.rural.selectors import SEASON_LABELS

CERTIFICATE_CHOICES = [
    ("produce_compliance", _("Compliance certificate (承诺达标合格证)")),
    ("geographical_indication", _("Geographical indication use")),
    ("organic_food", _("Organic food certification")),
    ("green_food", _("Green food certification")),
]
# A service's error field -> the form field it lands on.
FIELD_OF = {"price_fen": "price_yuan", "land_mu": "land_mu", "village": "village"}


def rural_villages() -> forms.ModelChoiceField[Division]:
    return forms.ModelChoiceField(
        label=_("Village"),
        queryset=Division.objects.filter(level=Level.VILLAGE)
        .filter(urban_rural__startswith="2")
        .order_by("code"),
        to_field_name="code",
        empty_label=_("Choose the village"),
    )


class ProducerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of producer"), choices=ProducerKind.choices)
    name = forms.CharField(label=_("Name the producer trades under"), max_length=100)
    village = forms.Field()  # replaced in __init__ (the queryset is read per request)
    land_mu = forms.DecimalField(
        label=_("Land farmed (mu)"), min_value=Decimal(0), max_digits=9, decimal_places=1
    )
    main_products = forms.CharField(label=_("Main products"), max_length=200)
    workers = forms.IntegerField(
        label=_("People working"), min_value=1, max_value=10_000, initial=1
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code (cooperatives, and farms that have one)"),
        max_length=18,
        required=False,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["village"] = rural_villages()


class ListingForm(forms.Form):
    product = forms.CharField(label=_("Product"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    quantity = forms.IntegerField(label=_("Quantity for sale"), min_value=1, max_value=1_000_000)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    price_yuan = forms.DecimalField(
        label=_("Price per unit (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
    )
    harvest_date = forms.DateField(
        label=_("Harvest date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    certificates = forms.MultipleChoiceField(
        label=_("Certificates to issue with it"),
        choices=CERTIFICATE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Edible products need the compliance certificate."),
    )

    def price_fen(self) -> int:
        return int(self.cleaned_data["price_yuan"] * 100)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Product or producer"), required=False, max_length=50)
    village = forms.CharField(
        label=_("Division code (county, township or village)"), required=False, max_length=12
    )
    season = forms.ChoiceField(
        label=_("Harvest season"),
        required=False,
        choices=[("", _("Any season")), *SEASON_LABELS.items()],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )


class OfflineSaleForm(forms.Form):
    listing = forms.CharField(label=_("Listing reference"), max_length=24)
    quantity = forms.IntegerField(label=_("Quantity sold"), min_value=1, max_value=1_000_000)


class HandoverForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64, required=False)

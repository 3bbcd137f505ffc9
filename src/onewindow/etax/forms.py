"""The reconciliation form: amounts in yuan (two decimals), turned into fen for the services.
The form only parses; the rules (limits, the year) are checked by computation.reconcile and
land back on these fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.etax.computation import Deductions, Income


def yuan_field(label: Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        initial=Decimal(0),
    )


HOUSING_CHOICES = [
    ("none", _("None")),
    ("loan", _("Interest on a first-home loan")),
    ("tier1", _("Rent: a municipality, provincial capital or plan-listed city")),
    ("tier2", _("Rent: a city of more than one million people")),
    ("tier3", _("Rent: elsewhere")),
]


def fen(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)) * 100)


class ReturnForm(forms.Form):
    tax_year = forms.TypedChoiceField(label=_("Tax year"), coerce=int)
    wages = yuan_field(_("Wages and salaries (yuan)"), required=True)
    services = yuan_field(_("Remuneration for services (yuan)"))
    author = yuan_field(_("Author's remuneration (yuan)"))
    royalty = yuan_field(_("Royalties (yuan)"))
    withheld = yuan_field(_("Tax withheld during the year (yuan)"), required=True)
    social_insurance = yuan_field(_("Social insurance and housing fund you paid (yuan)"))
    children = forms.IntegerField(
        label=_("Children in education"), min_value=0, max_value=20, initial=0
    )
    infants = forms.IntegerField(
        label=_("Children under three"), min_value=0, max_value=20, initial=0
    )
    academic_education = forms.BooleanField(
        label=_("Continuing education towards a degree"), required=False
    )
    vocational_certificate = forms.BooleanField(
        label=_("A professional certificate obtained this year"), required=False
    )
    serious_illness = yuan_field(_("Medical costs you paid yourself (yuan)"))
    housing = forms.ChoiceField(label=_("Housing"), choices=HOUSING_CHOICES, initial="none")
    elderly_support = yuan_field(_("Support of parents aged 60 or more (yuan a year)"))
    only_child = forms.BooleanField(label=_("I am an only child"), required=False, initial=True)
    other = yuan_field(_("Other deductions allowed by law (yuan)"))
    bank_account = forms.CharField(
        label=_("Bank account for a refund"), required=False, max_length=30
    )

    def __init__(self, data: Any = None, *, years: list[int]) -> None:
        super().__init__(data)
        field = self.fields["tax_year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(year, str(year)) for year in years]

    def income(self) -> Income:
        data = self.cleaned_data
        return Income(
            wages_fen=fen(data["wages"]),
            services_fen=fen(data.get("services")),
            author_fen=fen(data.get("author")),
            royalty_fen=fen(data.get("royalty")),
            withheld_fen=fen(data["withheld"]),
        )

    def deductions(self) -> Deductions:
        data = self.cleaned_data
        return Deductions(
            social_insurance_fen=fen(data.get("social_insurance")),
            children=data["children"],
            infants=data["infants"],
            academic_education=data["academic_education"],
            vocational_certificate=data["vocational_certificate"],
            serious_illness_fen=fen(data.get("serious_illness")),
            housing=data["housing"],
            elderly_support_fen=fen(data.get("elderly_support")),
            only_child=data["only_child"],
            other_fen=fen(data.get("other")),
        )


# Form fields by the name the services give their errors.
FIELD_OF = {
    "wages_fen": "wages",
    "services_fen": "services",
    "author_fen": "author",
    "royalty_fen": "royalty",
    "withheld_fen": "withheld",
    "social_insurance_fen": "social_insurance",
    "serious_illness_fen": "serious_illness",
    "elderly_support_fen": "elderly_support",
    "other_fen": "other",
}

"""Forms around the schema-driven application form: filing details, officer decisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import Delivery, MaterialSource, ServiceItemVersion
from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.identity.forms import UswdsMixin
from onewindow.identity.models import Business

ACCEPTED_FILES = "application/pdf,image/png,image/jpeg"


class FilingForm(UswdsMixin, forms.Form):
    """Who the application is for, how the result is delivered, and the material files.
    Built per service by `filing_form_class`, since its fields depend on the version."""

    material_names: dict[str, str] = {}
    instead_names: dict[str, str] = {}

    def material_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.material_names.values()]

    def instead_fields(self) -> list[forms.BoundField]:
        """Files for materials the platform would fetch, uploaded by the applicant instead."""
        return [self[name] for name in self.instead_names.values()]

    @property
    def file_names(self) -> dict[str, str]:
        return {**self.material_names, **self.instead_names}

    def address_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADDRESS_FIELD_NAMES if name in self.fields]

    def address(self) -> dict[str, str] | None:
        """The postal address as the service takes it, when the result is to be posted."""
        data = self.cleaned_data
        if data.get("delivery") != Delivery.POST:
            return None
        division = data.get("address_division")
        return {
            "recipient_name": data.get("address_recipient_name", ""),
            "mobile": data.get("address_mobile", ""),
            "division": division.code if division is not None else "",
            "street": data.get("address_street", ""),
            "postal_code": data.get("address_postal_code", ""),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery") == Delivery.POST:
            for name in ADDRESS_FIELD_NAMES:
                if name in self.fields and not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed when the result is posted."))
        return data


# The page's names for the service's `address.<field>` errors: `address_<field>`.
ADDRESS_FIELD_NAMES = (
    "address_recipient_name",
    "address_mobile",
    "address_division",
    "address_street",
    "address_postal_code",
)


def address_fields() -> dict[str, forms.Field]:
    """Always on the page when post is offered (no script hides them), required only when
    post is chosen: `FilingForm.clean` says so on each empty field."""
    return {
        "address_recipient_name": forms.CharField(
            label=_("Recipient's name"),
            max_length=60,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        ),
        "address_mobile": forms.CharField(
            label=_("Recipient's mobile number"),
            max_length=20,
            required=False,
            help_text=_("The courier calls this number."),
            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        ),
        "address_division": forms.ModelChoiceField(
            label=_("Township or street"),
            queryset=Division.objects.filter(level=Level.TOWNSHIP).order_by("code"),
            required=False,
        ),
        "address_street": forms.CharField(
            label=_("Road, number, building and room"),
            max_length=200,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        ),
        "address_postal_code": forms.CharField(
            label=_("Postal code"),
            max_length=6,
            required=False,
            help_text=_("6 digits."),
            widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        ),
    }


def filing_form_class(
    version: ServiceItemVersion, *, businesses: list[Business], have: set[str]
) -> type[FilingForm]:
    labels = dict(Delivery.choices)
    fields: dict[str, Any] = {
        "delivery": forms.ChoiceField(
            label=_("How to receive the result"),
            choices=[(d, labels[d]) for d in version.delivery_options],
        )
    }
    if Delivery.POST in version.delivery_options:
        fields.update(address_fields())
    if version.audience != "citizen" and businesses:
        fields["business"] = forms.ModelChoiceField(
            queryset=Business.objects.filter(pk__in=[b.pk for b in businesses]),
            label=_("Apply for"),
            required=version.audience == "business",
            # A service only businesses may use offers no "Myself".
            empty_label=None if version.audience == "business" else _("Myself"),
        )
    material_names: dict[str, str] = {}
    instead_names: dict[str, str] = {}
    for material in version.materials:
        if material["source"] not in (MaterialSource.UPLOAD, MaterialSource.EXCHANGE):
            continue
        name = f"file_{material['key']}"
        (material_names if material["source"] == MaterialSource.UPLOAD else instead_names)[
            material["key"]
        ] = name
        fields[name] = forms.FileField(
            label=material["name_zh"] if _is_zh() else material["name_en"],
            required=False,
            help_text=(
                _("Already uploaded; choose a file only to replace it.")
                if material["key"] in have
                else _("PDF, PNG or JPEG, up to 10 MB.")
            ),
            widget=forms.ClearableFileInput(
                attrs={"class": "ow-file-input", "accept": ACCEPTED_FILES}
            ),
        )
    if instead_names:
        fields["fetch_consent"] = forms.BooleanField(
            label=_("I agree that the platform fetches these records for this application."),
            required=False,
        )
    fields["material_names"] = material_names
    fields["instead_names"] = instead_names
    return type("ServiceFilingForm", (FilingForm,), fields)


def _is_zh() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


class DecisionForm(UswdsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note (kept in the record)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
    )


class RejectForm(UswdsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reasons = forms.CharField(
        label=_("Reasons for the rejection (shown to the applicant)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
    )


class SupplementForm(UswdsMixin, forms.Form):
    """Every missing item at once: say what is wrong with each material, and anything else.
    Built per service by `supplement_form_class`."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    other = forms.CharField(
        label=_("Anything else missing or wrong"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
    )

    def items(self) -> list[dict[str, str]]:
        data = self.cleaned_data if self.is_valid() else {}
        found = [
            {"key": name.removeprefix("reason_"), "reason": value}
            for name, value in data.items()
            if name.startswith("reason_") and value.strip()
        ]
        if data.get("other", "").strip():
            found.append({"key": "", "reason": data["other"]})
        return found


def supplement_form_class(version: ServiceItemVersion) -> type[SupplementForm]:
    fields = {
        f"reason_{material['key']}": forms.CharField(
            label=material["name_zh"] if _is_zh() else material["name_en"],
            required=False,
            max_length=500,
            help_text=_("Leave empty if this material is fine."),
        )
        for material in version.materials
    }
    return type("ServiceSupplementForm", (SupplementForm,), fields)

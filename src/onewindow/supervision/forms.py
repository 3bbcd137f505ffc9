"""The inspector's forms on the phone-sized inspection page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# Context "supervision" where another app translates the same English differently: Django
# merges all catalogues, so the plain msgid would show whichever won.
from django.utils.translation import pgettext_lazy

from onewindow.supervision.models import InspectionMode, Severity


class FindingForm(forms.Form):
    checklist_item = forms.TypedChoiceField(
        label=_("Check"),
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What was found"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
    )

    def __init__(self, *args: object, checks: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["checklist_item"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose the check it breaks")), *checks]
        field.required = False  # refused by the service, with its own message


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class CompleteForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How was it inspected?"), choices=InspectionMode.choices, widget=forms.RadioSelect
    )
    acknowledgement = forms.ChoiceField(
        label=_("The business"),
        choices=[("signed", _("Signed the record")), ("refused", _("Refused to sign"))],
        widget=forms.RadioSelect,
    )
    signatory = forms.CharField(
        label=_("Who signed"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off"}),
    )
    refusal_note = forms.CharField(
        label=_("How the refusal was witnessed"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    summary = forms.CharField(
        label=pgettext_lazy("supervision", "Result"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
    )


def _codes(value: str) -> list[str]:
    """Codes typed one per line or separated by commas or spaces."""
    return [code for code in value.replace(",", " ").replace("，", " ").split() if code]


class PlanForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "usa-input"})
    )
    items = forms.MultipleChoiceField(
        label=_("Supervision items"), widget=forms.CheckboxSelectMultiple
    )
    departments = forms.MultipleChoiceField(
        label=_("Departments (several for a joint inspection)"),
        widget=forms.CheckboxSelectMultiple,
    )
    industry_codes = forms.CharField(
        label=_("Industry codes (GB/T 4754, e.g. H62)"),
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    division_codes = forms.CharField(
        label=_("Division codes (e.g. 330106)"),
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    licence_types = forms.CharField(
        label=_("Licence types"),
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    sample_size = forms.IntegerField(
        label=_("Sample size"), widget=forms.NumberInput(attrs={"class": "usa-input"})
    )
    inspectors_per_department = forms.IntegerField(
        label=_("Inspectors per department and visit"),
        initial=2,
        widget=forms.NumberInput(attrs={"class": "usa-input"}),
    )
    period_start = forms.DateField(
        label=pgettext_lazy("supervision", "From"),
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}),
    )
    period_end = forms.DateField(
        label=pgettext_lazy("supervision", "Until"),
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}),
    )

    def __init__(
        self,
        *args: object,
        items: list[tuple[str, str]],
        departments: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["items"].choices = items  # type: ignore[attr-defined]
        self.fields["departments"].choices = departments  # type: ignore[attr-defined]

    def values(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "item_codes": data["items"],
            "department_codes": data["departments"],
            "industry_codes": _codes(data["industry_codes"]),
            "division_codes": _codes(data["division_codes"]),
            "licence_types": _codes(data["licence_types"]),
            "sample_size": data["sample_size"],
            "inspectors_per_department": data["inspectors_per_department"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
        }


class PenaltyForm(forms.Form):
    findings = forms.TypedMultipleChoiceField(
        label=_("Findings the penalty is for"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=80,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    violation = forms.CharField(
        label=_("Violation"), max_length=200, widget=forms.TextInput(attrs={"class": "usa-input"})
    )
    legal_basis = forms.CharField(
        label=pgettext_lazy("supervision", "Legal basis"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    fine_yuan = forms.DecimalField(
        label=_("Fine (yuan)"),
        min_value=0,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "usa-input", "step": "0.01"}),
    )
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"})
    )
    publicity_category = forms.ChoiceField(
        label=_("Publicity period"),
        choices=[
            ("general", _("General (3 months to 3 years)")),
            ("safety", _("Safety (1 to 3 years)")),
        ],
        widget=forms.RadioSelect,
        initial="general",
    )

    def __init__(self, *args: object, findings: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["findings"].choices = findings  # type: ignore[attr-defined]


class LinkForm(forms.Form):
    case_ref = forms.CharField(
        label=pgettext_lazy("supervision", "Case number"),
        max_length=32,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    credit_code = forms.CharField(
        label=_("The business's unified social credit code"),
        max_length=18,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )

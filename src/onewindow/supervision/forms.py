"""The inspector's forms on the phone-sized inspection page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
        label=_("Result"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
    )

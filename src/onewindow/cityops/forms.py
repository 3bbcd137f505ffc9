"""Forms of the city pages: each names the field it refuses."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.cityops.models import SensorKind
from onewindow.identity.models import Department


class DispatchForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments (the first leads; several for joint handling)"),
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("What is being done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence: what was done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SensorForm(forms.Form):
    ref = forms.CharField(label=_("Sensor id"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=SensorKind.choices)
    division = forms.CharField(label=_("Division code"), max_length=12)
    place = forms.CharField(label=_("Place"), max_length=120)
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)


class IngestKeyForm(forms.Form):
    name = forms.CharField(label=_("Gateway"), max_length=100)

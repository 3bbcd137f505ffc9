"""Forms of the data-sharing pages: ask for a grant, decide it, report and decide misuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.exchange.models import DataService
from onewindow.identity.forms import UswdsMixin


def _field_choices(service: DataService, names: list[str] | None = None) -> list[tuple[str, str]]:
    label = "label_zh" if (get_language() or "").startswith("zh") else "label_en"
    return [
        (field["name"], field[label])
        for field in service.response_fields
        if names is None or field["name"] in names
    ]


class GrantRequestForm(UswdsMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Purpose: the service item code or case type"),
        max_length=64,
        help_text=_("For example 330000-HRSS-SB-001. Calls for any other purpose are refused."),
    )
    field_names = forms.MultipleChoiceField(
        label=_("Fields needed"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask only for what the decision needs: nothing else ever leaves."),
    )

    def __init__(self, *args: Any, service: DataService, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = self.fields["field_names"]
        assert isinstance(names, forms.MultipleChoiceField)
        names.choices = _field_choices(service)


class GrantDecisionForm(UswdsMixin, forms.Form):
    field_names = forms.MultipleChoiceField(
        label=_("Fields to grant"), widget=forms.CheckboxSelectMultiple, required=False
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    allows_secrecy = forms.BooleanField(
        label=_("Calls may carry a legal secrecy order (investigations only)"),
        required=False,
        help_text=_("The person then sees such an access only after the order's disclosure date."),
    )
    reason = forms.CharField(label=_("Reason (needed to refuse)"), max_length=500, required=False)

    def __init__(self, *args: Any, service: DataService, requested: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        names = self.fields["field_names"]
        assert isinstance(names, forms.MultipleChoiceField)
        names.choices = _field_choices(service, requested)


class MisuseReportForm(UswdsMixin, forms.Form):
    reason = forms.CharField(
        label=_("What seems wrong about this access?"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "usa-textarea"}),
    )


class MisuseDecisionForm(UswdsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("dismissed", _("Dismissed: the access was proper")),
            ("upheld", _("Upheld: the access was improper")),
        ],
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label=_("Finding"),
        min_length=5,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "usa-textarea"}),
    )

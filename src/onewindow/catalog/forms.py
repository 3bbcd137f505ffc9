"""The editors' forms: an item's fields as one row of the implementation list, and the import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.life_events import LIFE_EVENTS
from onewindow.catalog.listing import COLUMNS
from onewindow.catalog.models import (
    AnywhereScope,
    Audience,
    Delivery,
    OnlineDepth,
    ResultType,
    ServiceType,
)
from onewindow.core.divisions import Level

LONG_TEXT = forms.Textarea(attrs={"rows": 4, "class": "usa-textarea"})
SHORT_TEXT = forms.TextInput(attrs={"class": "usa-input"})
NUMBER = forms.NumberInput(attrs={"class": "usa-input usa-input--small", "min": 0})
SELECT = forms.Select(attrs={"class": "usa-select"})
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"})


def _text(
    label: Any, *, long: bool = False, required: bool = False, help_text: Any = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=True,
        widget=LONG_TEXT if long else SHORT_TEXT,
        help_text=help_text,
    )


def _number(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100_000_000, widget=NUMBER)


def _choice(label: Any, choices: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=SELECT)


class ItemForm(forms.Form):
    """Every column of the implementation list but the department (the editor's own)."""

    code = _text(
        _("Implementation code"),
        required=True,
        help_text=_("Letters, digits and hyphens, e.g. 330100-CA-SZ-003."),
    )
    basic_code = _text(_("Basic code"))
    level = forms.TypedChoiceField(
        label=_("Level handled at"), choices=Level.choices, coerce=int, widget=SELECT
    )
    service_type = _choice(_("Type"), ServiceType.choices)
    audience = _choice(_("Audience"), Audience.choices)
    name_zh = _text(_("Name (Chinese)"), required=True)
    name_en = _text(_("Name (English)"), required=True)
    life_events = forms.MultipleChoiceField(
        label=_("Life events"),
        required=False,
        choices=[(event.slug, event.title) for event in LIFE_EVENTS],
        widget=CHECKBOXES,
    )
    anywhere_scope = _choice(_("Apply-anywhere scope"), AnywhereScope.choices)
    guide_zh = _text(_("Guide (Chinese)"), long=True)
    guide_en = _text(_("Guide (English)"), long=True)
    conditions_zh = _text(_("Conditions (Chinese)"), long=True)
    conditions_en = _text(_("Conditions (English)"), long=True)
    keywords_zh = _text(_("Keywords (Chinese)"))
    keywords_en = _text(_("Keywords (English)"))
    legal_basis_zh = _text(_("Legal basis (Chinese)"), long=True)
    legal_basis_en = _text(_("Legal basis (English)"), long=True)
    fee_fen = _number(_("Fee in fen (0 when free)"))
    fee_basis_zh = _text(_("Basis of the fee (Chinese)"))
    fee_basis_en = _text(_("Basis of the fee (English)"))
    statutory_days = _number(_("Statutory time limit, working days"))
    promised_days = _number(_("Promised time limit, working days"))
    visits = _number(_("In-person visits needed"))
    online_depth = _choice(_("Online depth"), OnlineDepth.choices)
    hall_zh = _text(_("Where to go (Chinese)"))
    hall_en = _text(_("Where to go (English)"))
    hours_zh = _text(_("Opening hours (Chinese)"))
    hours_en = _text(_("Opening hours (English)"))
    delivery_options = forms.MultipleChoiceField(
        label=_("Delivery of the result"), choices=Delivery.choices, widget=CHECKBOXES
    )
    result_type = _choice(_("Result"), ResultType.choices)
    result_name_zh = _text(_("Result name (Chinese)"))
    result_name_en = _text(_("Result name (English)"))
    credential_kind = _text(_("Electronic licence issued (kind)"))
    contact_phone = _text(_("Phone for questions"))
    materials = _text(
        _("Materials"),
        long=True,
        help_text=_(
            "One a line: key|Chinese name|English name|source (upload, exchange, platform)|"
            "form (original, copy, original_and_copy, electronic)|copies|required or "
            "optional|data service (for exchange)."
        ),
    )
    workflow = _text(
        _("Workflow definition"),
        long=True,
        help_text=_("Leave empty for acceptance and decision at the item's department."),
    )
    form_schema = _text(
        _("Application form (JSON Schema)"),
        long=True,
        help_text=_("Leave empty for a form without fields."),
    )
    reason = _text(_("Reason for the change"), long=True, required=True)

    def as_row(self, department_kind: str) -> dict[str, str]:
        """The cleaned form as a row of the implementation list (`listing.row_to_definition`)."""
        data = self.cleaned_data
        row = {}
        for column in COLUMNS:
            if column == "department_kind":
                row[column] = department_kind
            elif column in ("life_events", "delivery_options"):
                row[column] = " ".join(data.get(column) or [])
            else:
                row[column] = "" if data.get(column) is None else str(data[column])
        return row

    @staticmethod
    def initial_from_row(row: dict[str, str]) -> dict[str, Any]:
        initial: dict[str, Any] = dict(row)
        initial["life_events"] = row["life_events"].split()
        initial["delivery_options"] = row["delivery_options"].split()
        return initial


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Implementation list (CSV, XLSX or JSON)"),
        widget=forms.ClearableFileInput(
            attrs={"class": "usa-file-input", "accept": ".csv,.xlsx,.json"}
        ),
    )
    reason = _text(_("Reason for the change"), long=True, required=True)


class NoteForm(forms.Form):
    note = _text(_("What should the editor change?"), long=True, required=True)

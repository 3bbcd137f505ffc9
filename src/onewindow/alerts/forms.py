"""The compose form: the alert's fields, its words in Chinese (and English), and its area as
division codes, a polygon typed as points, and/or a circle (centre and radius). The form only
parses; the rules are checked by `authoring.check` and land back on these fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.alerts import geometry
from onewindow.alerts.authoring import AlertDraft, AreaDraft, InfoDraft
from onewindow.alerts.models import Category, Certainty, MessageType, Severity, Urgency

INFO_FIELDS = {
    "event": _("Event"),
    "headline": _("Headline"),
    "description": _("What is happening"),
    "instruction": _("What people should do"),
    "area_description": _("Area, in words"),
}
LANGUAGE_PREFIX = {"zh-hans": "zh", "en": "en"}


class AlertForm(forms.Form):
    msg_type = forms.ChoiceField(label=_("Message"), choices=MessageType.choices)
    references = forms.CharField(
        label=_("Reference of the alert it updates or cancels"), required=False, max_length=40
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=Certainty.choices)
    onset = forms.DateTimeField(
        label=_("Onset"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    expires = forms.DateTimeField(
        label=_("Expires"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    divisions = forms.CharField(
        label=_("Divisions (codes)"),
        required=False,
        help_text=_("Division codes separated by spaces, e.g. 330127 330182."),
    )
    polygon = forms.CharField(
        label=_("Polygon"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Points as latitude,longitude separated by spaces; the last point equals the first."
        ),
    )
    circle_centre = forms.CharField(
        label=_("Circle centre"),
        required=False,
        help_text=_("latitude,longitude, e.g. 29.6,118.9"),
    )
    radius_km = forms.FloatField(label=_("Circle radius (km)"), required=False)
    contact = forms.CharField(label=_("Contact"), required=False, max_length=200)
    web = forms.CharField(label=_("Web link"), required=False, max_length=300)
    send_now = forms.BooleanField(
        label=_("Extreme and Immediate: send now, review afterwards"), required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for language, prefix in LANGUAGE_PREFIX.items():
            for name, label in INFO_FIELDS.items():
                widget = (
                    forms.Textarea(attrs={"rows": 3})
                    if name in {"description", "instruction"}
                    else forms.TextInput()
                )
                self.fields[f"{prefix}_{name}"] = forms.CharField(
                    label=f"{label} ({'中文' if language == 'zh-hans' else 'English'})",
                    required=False,
                    widget=widget,
                )
        # Where each area of the draft came from, to put its errors on the right field.
        self.area_fields: list[str] = []

    def draft(self, department_code: str) -> AlertDraft:
        """The draft the cleaned form describes (call after is_valid)."""
        data = self.cleaned_data
        infos = []
        for language, prefix in LANGUAGE_PREFIX.items():
            values = {name: data.get(f"{prefix}_{name}", "") or "" for name in INFO_FIELDS}
            if language == "zh-hans" or any(value.strip() for value in values.values()):
                infos.append(InfoDraft(language, **values))
        areas: list[AreaDraft] = []
        self.area_fields = []
        for code in (data.get("divisions") or "").split():
            areas.append(AreaDraft("division", division_code=code))
            self.area_fields.append("divisions")
        if (data.get("polygon") or "").strip():
            try:
                points = geometry.parse_points(data["polygon"])
            except geometry.GeometryError:
                points = []  # refused by the rules as too short, with the typed text kept
            areas.append(AreaDraft("polygon", points=points))
            self.area_fields.append("polygon")
        if (data.get("circle_centre") or "").strip() or data.get("radius_km") is not None:
            try:
                centre = geometry.parse_points(data.get("circle_centre") or "")
            except geometry.GeometryError:
                centre = []
            areas.append(AreaDraft("circle", points=centre, radius_km=data.get("radius_km")))
            self.area_fields.append("circle_centre")
        return AlertDraft(
            department_code=department_code,
            category=data["category"],
            urgency=data["urgency"],
            severity=data["severity"],
            certainty=data["certainty"],
            onset=data["onset"],
            expires=data["expires"],
            infos=infos,
            areas=areas,
            contact=data.get("contact") or "",
            web=data.get("web") or "",
            msg_type=data["msg_type"],
            references=(data.get("references") or "").strip(),
            send_now=bool(data.get("send_now")),
        )

    def field_for(self, name: str) -> str | None:
        """The form field of a rule's field name ("infos.en.headline" -> "en_headline")."""
        parts = name.split(".")
        if parts[0] == "infos":
            if len(parts) == 3:
                return f"{LANGUAGE_PREFIX.get(parts[1], 'zh')}_{parts[2]}"
            return "zh_headline"
        if parts[0] == "areas":
            if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(self.area_fields):
                field = self.area_fields[int(parts[1])]
                if field == "circle_centre" and parts[-1] == "radius_km":
                    return "radius_km"
                return field
            return "divisions"
        if parts[0] == "department":
            return None
        return parts[0] if parts[0] in self.fields else None


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why it is sent back"), max_length=300)


class PlaceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of place"), choices=())
    division = forms.CharField(label=_("Division code"), max_length=12)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from onewindow.alerts.models import PlaceKind

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = PlaceKind.choices  # type: ignore[attr-defined]


class HealthColourForm(forms.Form):
    """A health department approver sets a resident's code colour."""

    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    colour = forms.ChoiceField(label=_("Code colour"), choices=())
    reason = forms.CharField(
        label=_("Reason (kept by the department, never shown to checkpoints)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        from onewindow.alerts.models import HealthColour

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["colour"].choices = HealthColour.choices  # type: ignore[attr-defined]

"""Forms of the hotline pages: they parse; the services check and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.core.selectors import division_choices
from onewindow.grievances import intake, reviews, selectors, services
from onewindow.grievances.classifier import CATEGORIES
from onewindow.grievances.models import (
    LEVELS,
    CaseKind,
    ContactPreference,
    DisputeKind,
    TransferDecision,
    Urgency,
)
from onewindow.identity.forms import UswdsMixin
from onewindow.identity.models import Department


def department_choices(*, blank: str = "") -> list[tuple[str, str]]:
    choices = [("", blank)] if blank else []
    return choices + [(d.code, d.name) for d in Department.objects.order_by("code")]


def category_choices() -> list[tuple[str, str]]:
    named = sorted(
        ((code, selectors.category_label(code)) for code in CATEGORIES), key=lambda c: c[1]
    )
    return [("", str(_("Choose a category"))), *named]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _CaseFields(UswdsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of case is it?"),
        choices=CaseKind.choices,
        widget=forms.RadioSelect,
        initial=CaseKind.COMPLAINT,
    )
    text = forms.CharField(
        label=_("What happened?"),
        # Formatted when shown, in the reader's language (not once, at import, in English).
        help_text=format_lazy(
            _("Where, when and what; {max} characters at most."), max=intake.MAX_TEXT
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        # Length is checked by the service, so the page and the API say the same thing.
        required=False,
    )
    division = forms.ChoiceField(label=_("Where is it?"))
    address = forms.CharField(
        label=_("Street and landmark (optional)"), required=False, max_length=400
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.ORDINARY,
    )
    anonymous = forms.BooleanField(
        label=_("Keep my name from the department (anonymous)"), required=False
    )
    phone = forms.CharField(label=_("Callback number"), required=False, max_length=20)
    contact_preference = forms.ChoiceField(
        label=_("How should we reach you?"),
        choices=ContactPreference.choices,
        widget=forms.RadioSelect,
        initial=ContactPreference.SMS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = division_choices(blank=str(_("Choose the place")))
        self.fields["division"].choices = choices  # type: ignore[attr-defined]


class CaseForm(_CaseFields):
    """The public web form; a signed-in reporter's name comes from their account."""

    name = forms.CharField(label=_("Your name"), required=False, max_length=60)
    latitude = forms.DecimalField(
        label=_("Latitude (optional)"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude (optional)"), required=False, max_digits=9, decimal_places=6
    )
    photos = forms.FileField(
        label=_("Photos (optional)"),
        help_text=_("Up to 3 PNG or JPEG images, 5 MB each."),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class CallForm(_CaseFields):
    """The hotline agent's console: what the caller said, and how to call them back."""

    caller_name = forms.CharField(label=_("Caller's name"), required=False, max_length=60)
    field_order = [
        "caller_name",
        "phone",
        "anonymous",
        "contact_preference",
        "kind",
        "urgency",
        "text",
        "division",
        "address",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = _("Callback number")
        self.fields["contact_preference"].initial = ContactPreference.PHONE


class RatingForm(UswdsMixin, forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    tags = forms.MultipleChoiceField(
        label=_("Why? (choose any)"),
        choices=list(services.REASON_TAGS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Anything else (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallbackRatingForm(RatingForm):
    reporter = forms.TypedChoiceField(label=_("Reporter called back"), coerce=int)


class ReviewForm(RatingForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].label = _("How well were you served?")
        self.fields["tags"].choices = list(reviews.REVIEW_TAGS.items())  # type: ignore[attr-defined]


class TrackForm(UswdsMixin, forms.Form):
    ref = forms.CharField(label=_("Case number"), max_length=32)
    phone = forms.CharField(
        label=_("The phone number you gave"),
        max_length=20,
        help_text=_("The number and your phone number together show the case; neither alone."),
    )


class DispatchForm(UswdsMixin, forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    department = forms.ChoiceField(
        label=_("Department"),
        required=False,
        help_text=_("Leave empty to send it to the competent department for the place."),
    )

    def __init__(
        self, *args: Any, division: Division | None = None, category: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
        flat = department_choices(blank=str(_("The competent department")))
        choices: list[tuple[str, Any]] = list(flat)
        if division is not None and category in CATEGORIES:
            # The few departments that fit the case first, not one among forty.
            suggested = intake.suggested_departments(CATEGORIES[category].department_kind, division)
            codes = {department.code for department in suggested}
            choices = [
                flat[0],
                (str(_("Competent for this place")), [(d.code, d.name) for d in suggested]),
                (str(_("All departments")), [c for c in flat[1:] if c[0] not in codes]),
            ]
        self.fields["department"].choices = choices  # type: ignore[attr-defined]


class NoteForm(UswdsMixin, forms.Form):
    note = forms.CharField(
        label=_("Progress note to the reporter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(UswdsMixin, forms.Form):
    reply = forms.CharField(
        label=_("Public answer"),
        help_text=_("Every reporter receives it; it is shown on the case wall without names."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class TransferForm(UswdsMixin, forms.Form):
    to = forms.ChoiceField(label=_("Transfer to"))
    reason = forms.CharField(
        label=_("Why it belongs there"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = department_choices(blank=str(_("Choose a department")))  # type: ignore[attr-defined]


class ContestForm(UswdsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why it is not yours"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactsForm(UswdsMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Why you need the contact details"), max_length=100, required=False
    )


class ContestDecisionForm(UswdsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=TransferDecision.choices, widget=forms.RadioSelect
    )
    department = forms.ChoiceField(label=_("Department (for “another department”)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices(blank="—")  # type: ignore[attr-defined]


class ResponseForm(UswdsMixin, forms.Form):
    response = forms.CharField(
        label=_("What was changed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DisputeForm(UswdsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeKind.choices)
    summary = forms.CharField(
        label=_("What the dispute is about"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=60)
    applicant_phone = forms.CharField(label=_("Applicant's phone"), required=False, max_length=20)
    respondent_name = forms.CharField(label=_("Respondent's name"), max_length=60)
    respondent_phone = forms.CharField(label=_("Respondent's phone"), required=False, max_length=20)


class MediatorForm(UswdsMixin, forms.Form):
    mediator = forms.ChoiceField(label=_("Mediator"))


class SessionForm(UswdsMixin, forms.Form):
    held_at = forms.DateTimeField(
        label=_("When it was held"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    place = forms.CharField(label=_("Where"), max_length=200)
    notes = forms.CharField(
        label=_("What was said and agreed"), widget=forms.Textarea(attrs={"rows": 4})
    )


class OutcomeForm(UswdsMixin, forms.Form):
    agreed = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", _("Agreement reached")), ("0", _("No agreement"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    agreement = forms.CharField(
        label=_("The agreement's terms, or why none was reached"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FollowUpForm(UswdsMixin, forms.Form):
    agreement_kept = forms.BooleanField(label=_("The agreement is being kept"), required=False)
    notes = forms.CharField(label=_("What you found"), widget=forms.Textarea(attrs={"rows": 3}))


class PartyMessageForm(UswdsMixin, forms.Form):
    """The mediator writes; the platform sends it to the party's inbox or number."""

    party = forms.ChoiceField(label=_("To"))
    text = forms.CharField(
        label=_("Message"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Sent by the platform to the party's inbox or phone; you do not see the number."
        ),
    )


class ApiKeyForm(UswdsMixin, forms.Form):
    name = forms.CharField(label=_("Partner app"), max_length=100)
    division = forms.ChoiceField(label=_("Jurisdiction"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [  # type: ignore[attr-defined]
            (d.code, d.name)
            for d in Division.objects.filter(
                level__lte=Level.COUNTY, level__gte=Level.CITY
            ).order_by("code")
        ]

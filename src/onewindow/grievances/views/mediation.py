"""The mediation office's pages: disputes, mediators, sessions, outcomes, follow-up visits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onewindow.core.errors import DomainError, NotFound
from onewindow.grievances import forms, mediation, selectors
from onewindow.grievances.views.common import show_refusal
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.models import Role
from onewindow.identity.selectors import officers_holding


@officer_required
@require_http_methods(["GET", "POST"])
def disputes(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    may_register = mediation.runs_the_office(officer)
    form = forms.DisputeForm(request.POST or None)
    if request.method == "POST":
        if not may_register:
            raise HttpForbidden
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute = mediation.register_dispute(
                    officer,
                    kind=data["kind"],
                    summary=data["summary"],
                    parties=[
                        mediation.Party(
                            "applicant", data["applicant_name"], data["applicant_phone"]
                        ),
                        mediation.Party(
                            "respondent", data["respondent_name"], data["respondent_phone"]
                        ),
                    ],
                )
            except DomainError as error:
                show_refusal(form, error)
            else:
                return HttpResponseRedirect(reverse("grievances:dispute", args=[dispute.ref]))
    return render(
        request,
        "grievances/disputes.html",
        {"disputes": selectors.disputes_for(officer), "form": form, "may_register": may_register},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute(request: HttpRequest, ref: str) -> HttpResponseBase:
    """The office and the mediator work the dispute here; a party follows it here."""
    if signed_in_user(request).is_officer:
        return _handled_dispute(request, ref)
    return _party_dispute(request, ref)


def _party_dispute(request: HttpRequest, ref: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        found = selectors.access_dispute(user, ref)
    except NotFound:
        raise Http404 from None
    party = selectors.party_of(user, found)
    if party is None:
        raise Http404
    if request.method == "POST":
        answer = request.POST.get("response")
        if answer not in ("confirmed", "declined"):
            raise Http404
        try:
            mediation.respond_to_agreement(user, found, confirmed=answer == "confirmed")
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Thank you: you confirmed the agreement.")
                if answer == "confirmed"
                else _("You declined the agreement; the mediator will contact you."),
            )
        return HttpResponseRedirect(request.path)
    return render(
        request,
        "grievances/dispute_party.html",
        {
            "dispute": found,
            "party": party,
            "parties": found.parties.all(),
            "sessions": found.sessions.all(),
            "visits": found.visits.all(),
            "messages_to_me": party.messages.all(),
            "may_answer": found.status in ("agreed", "followed_up") and not party.response,
        },
    )


@officer_required
def _handled_dispute(request: HttpRequest, ref: str) -> HttpResponse:
    officer = signed_in_user(request)
    try:
        found = selectors.access_dispute(officer, ref)
    except NotFound:
        raise Http404 from None
    mediators = (
        officers_holding(found.office, Role.MEDIATOR).filter(is_active=True).order_by("username")
    )
    mediator_form = forms.MediatorForm(
        request.POST if request.POST.get("action") == "assign" else None
    )
    mediator_form.fields["mediator"].choices = [  # type: ignore[attr-defined]
        (u.username, u.real_name or u.username) for u in mediators
    ]
    session_form = forms.SessionForm(
        request.POST if request.POST.get("action") == "session" else None
    )
    outcome_form = forms.OutcomeForm(
        request.POST if request.POST.get("action") == "outcome" else None
    )
    follow_form = forms.FollowUpForm(
        request.POST if request.POST.get("action") == "follow_up" else None
    )
    message_form = forms.PartyMessageForm(
        request.POST if request.POST.get("action") == "message" else None
    )
    message_form.fields["party"].choices = [  # type: ignore[attr-defined]
        (party.pk, f"{party.get_role_display()}: {party.masked_name}")
        for party in found.parties.all()
    ]
    if request.method == "POST":
        action = request.POST.get("action")
        form = {
            "assign": mediator_form,
            "session": session_form,
            "outcome": outcome_form,
            "follow_up": follow_form,
            "message": message_form,
        }.get(action or "")
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "assign":
                    mediation.assign_mediator(
                        officer, found, mediator=mediators.get(username=data["mediator"])
                    )
                elif action == "session":
                    mediation.record_session(
                        officer,
                        found,
                        held_at=data["held_at"],
                        place=data["place"],
                        notes=data["notes"],
                    )
                elif action == "message":
                    mediation.message_party(
                        officer, found, party=int(data["party"]), text=data["text"]
                    )
                elif action == "outcome":
                    mediation.record_outcome(
                        officer, found, agreed=data["agreed"], agreement=data["agreement"]
                    )
                else:
                    mediation.record_follow_up(
                        officer, found, agreement_kept=data["agreement_kept"], notes=data["notes"]
                    )
            except DomainError as error:
                show_refusal(form, error)
            else:
                messages.success(request, _("Recorded."))
                return HttpResponseRedirect(request.path)
    found.refresh_from_db()
    return render(
        request,
        "grievances/dispute.html",
        {
            "dispute": found,
            "is_office": officer.department_id == found.office_id
            and mediation.runs_the_office(officer),
            "is_mediator": found.mediator_id == officer.pk,
            "parties": found.parties.all(),
            "sessions": found.sessions.all(),
            "visits": found.visits.all(),
            "mediator_form": mediator_form,
            "session_form": session_form,
            "outcome_form": outcome_form,
            "follow_form": follow_form,
            "message_form": message_form,
            "sent": found.messages.select_related("party", "sent_by"),
        },
    )

"""The mediation office's pages: disputes, mediators, sessions, outcomes, follow-up visits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
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
    may_register = mediation.is_township_officer(officer)
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


@officer_required
@require_http_methods(["GET", "POST"])
def dispute(request: HttpRequest, ref: str) -> HttpResponse:
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
    if request.method == "POST":
        action = request.POST.get("action")
        form = {
            "assign": mediator_form,
            "session": session_form,
            "outcome": outcome_form,
            "follow_up": follow_form,
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
            "is_office": officer.department_id == found.office_id,
            "is_mediator": found.mediator_id == officer.pk,
            "parties": found.parties.all(),
            "sessions": found.sessions.all(),
            "visits": found.visits.all(),
            "mediator_form": mediator_form,
            "session_form": session_form,
            "outcome_form": outcome_form,
            "follow_form": follow_form,
        },
    )

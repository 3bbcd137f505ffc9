"""Working hotline cases: the agent's console, the dispatcher's queue (routing, merges,
contested transfers) and the department's case page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core import personal_data
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.models import Division
from onewindow.core.ratelimit import RateLimited
from onewindow.grievances import forms, intake, selectors, services
from onewindow.grievances.models import (
    Case,
    CaseStatus,
    Channel,
)
from onewindow.grievances.views.common import rate_limited_page, show_refusal
from onewindow.identity.decorators import officer_required, signed_in_user, verified_officer
from onewindow.identity.models import Department, Role, User


@officer_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """The agent records a call while on the phone: caller, callback number, what was said."""
    agent = verified_officer(request, Role.HOTLINE_AGENT)
    form = forms.CallForm(request.POST or None)
    context: dict[str, Any] = {
        "form": form,
        "callbacks": selectors.answered_to_rate()[:20],
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = intake.submit_case(
                kind=data["kind"],
                text_in=data["text"],
                location=intake.Location(
                    division=Division.objects.get(code=data["division"]), address=data["address"]
                ),
                channel=Channel.HOTLINE,
                contact=intake.Contact(
                    user=intake.citizen_with_phone(data["phone"]),
                    name=data["caller_name"],
                    phone=data["phone"],
                    anonymous=data["anonymous"],
                    preference=data["contact_preference"],
                ),
                urgency=data["urgency"],
                recorded_by=agent,
            )
        except RateLimited as error:
            return rate_limited_page(request, error, "grievances/console.html", context)
        except DomainError as error:
            show_refusal(form, error)
        else:
            where = recorded.department.name if recorded.department else _("the dispatcher's queue")
            messages.success(
                request,
                _("Case %(ref)s recorded and sent to %(where)s.")
                % {"ref": recorded.ref, "where": where},
            )
            return HttpResponseRedirect(reverse("grievances:work-case", args=[recorded.ref]))
    return render(request, "grievances/console.html", context)


@officer_required
@require_GET
def dispatch(request: HttpRequest) -> HttpResponse:
    verified_officer(request, Role.DISPATCHER)
    return render(
        request,
        "grievances/dispatch.html",
        {
            # The classifier's category by name: "agri.subsidy" is a code.
            "cases": [
                (
                    case,
                    selectors.category_label(case.proposed_category)
                    if case.proposed_category
                    else "",
                )
                for case in selectors.dispatcher_queue()[:200]
            ],
            "merges": selectors.merge_proposals()[:100],
            "contested": selectors.contested_transfers()[:100],
            "decision_form": forms.ContestDecisionForm(),
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def dispatch_case(request: HttpRequest, ref: str) -> HttpResponse:
    dispatcher = verified_officer(request, Role.DISPATCHER)
    try:
        found = selectors.access_case_for_officer(dispatcher, ref)
    except NotFound:
        raise Http404 from None
    category = found.category or found.proposed_category
    form = forms.DispatchForm(
        request.POST or None,
        initial={"category": category},
        division=found.division,
        category=category,
    )
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["department"]
        try:
            routed = services.dispatch_case(
                dispatcher,
                found,
                category=form.cleaned_data["category"],
                department=Department.objects.filter(code=code).first() if code else None,
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            assert routed.department is not None
            messages.success(
                request,
                _("Case %(ref)s sent to %(department)s.")
                % {"ref": routed.ref, "department": routed.department.name},
            )
            return HttpResponseRedirect(reverse("grievances:dispatch"))
    return render(
        request,
        "grievances/dispatch_case.html",
        {
            "case": found,
            "form": form,
            "proposed": selectors.category_label(found.proposed_category)
            if found.proposed_category
            else "",
        },
    )


@officer_required
@require_POST
def decide_merge(request: HttpRequest, pk: int) -> HttpResponse:
    dispatcher = verified_officer(request, Role.DISPATCHER)
    try:
        proposal = selectors.access_merge_proposal(dispatcher, pk)
    except NotFound:
        raise Http404 from None
    try:
        if request.POST.get("confirm") == "1":
            primary = services.confirm_merge(dispatcher, proposal)
            messages.success(request, _("Merged into %(ref)s.") % {"ref": primary.ref})
        else:
            services.reject_merge(dispatcher, proposal)
            messages.success(request, _("Kept apart."))
    except DomainError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("grievances:dispatch"))


@officer_required
@require_POST
def decide_contest(request: HttpRequest, pk: int) -> HttpResponse:
    dispatcher = verified_officer(request, Role.DISPATCHER)
    try:
        transfer = selectors.access_transfer(dispatcher, pk)
    except NotFound:
        raise Http404 from None
    form = forms.ContestDecisionForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["department"]
        try:
            decided = services.decide_contest(
                dispatcher,
                transfer,
                decision=form.cleaned_data["decision"],
                department=Department.objects.filter(code=code).first() if code else None,
            )
            assert decided.department is not None
            messages.success(
                request,
                _("Case %(ref)s goes to %(department)s.")
                % {"ref": decided.ref, "department": decided.department.name},
            )
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose a decision."))
    return HttpResponseRedirect(reverse("grievances:dispatch"))


@officer_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    now = timezone.now()
    rows = [(c, services.overdue_stage(c, now)) for c in selectors.department_queue(officer)[:200]]
    return render(
        request,
        "grievances/work.html",
        {
            "rows": rows,
            "rectifications": selectors.open_rectifications_for(officer),
            "now": now,
        },
    )


_ACTIONS = {
    "acknowledge": None,
    "progress": forms.NoteForm,
    "answer": forms.AnswerForm,
    "transfer": forms.TransferForm,
    "contest": forms.ContestForm,
    "contacts": forms.ContactsForm,
    "close": None,
    "callback": forms.CallbackRatingForm,
}


def _callback_form(found: Case, data: Any = None) -> forms.CallbackRatingForm:
    form = forms.CallbackRatingForm(data)
    form.fields["reporter"].choices = [  # type: ignore[attr-defined]
        (r.pk, _("Reporter %(n)s (%(ref)s)") % {"n": i, "ref": r.original_case_ref})
        for i, r in enumerate(found.reporters.all(), start=1)
    ]
    return form


def _act(request: HttpRequest, officer: User, found: Case, action: str, form: Any) -> Any:
    if action == "acknowledge":
        return services.acknowledge_case(officer, found)
    if action == "close":
        return services.close_case(officer, found)
    data = form.cleaned_data
    if action == "progress":
        return services.reply_progress(officer, found, note=data["note"])
    if action == "answer":
        return services.answer_case(officer, found, reply=data["reply"])
    if action == "transfer":
        target = Department.objects.filter(code=data["to"]).first()
        if target is None:
            raise DomainError(_("Choose a department."), field="to")
        return services.transfer_case(officer, found, to=target, reason=data["reason"])
    if action == "contest":
        return services.contest_transfer(officer, found, reason=data["reason"])
    if action == "callback":
        if not services.has_role(officer, Role.HOTLINE_AGENT):
            raise HttpForbidden
        reporter = found.reporters.get(pk=data["reporter"])
        return services.rate_answer(
            reporter,
            level=data["level"],
            tags=data["tags"],
            comment=data["comment"],
            recorded_by=officer,
        )
    raise Http404


@officer_required
@require_http_methods(["GET", "POST"])
def work_case(request: HttpRequest, ref: str) -> HttpResponse:
    officer = signed_in_user(request)
    try:
        found = selectors.access_case_for_officer(officer, ref)
    except NotFound:
        raise Http404 from None
    bound: dict[str, Any] = {}
    contacts = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in _ACTIONS:
            raise Http404
        form_class = _ACTIONS[action]
        form = (
            _callback_form(found, request.POST)
            if action == "callback"
            else (form_class(request.POST) if form_class else None)
        )
        if form is None or form.is_valid():
            try:
                if action == "contacts":
                    contacts = services.read_contacts(
                        officer,
                        found,
                        purpose=form.cleaned_data["purpose"],  # type: ignore[union-attr]
                    )
                else:
                    _act(request, officer, found, action, form)
                    messages.success(request, _("Done."))
                    return HttpResponseRedirect(request.path)
            except DomainError as error:
                if form is None:
                    messages.error(request, str(error))
                else:
                    show_refusal(form, error)
        if form is not None:
            bound[action] = form
        found.refresh_from_db()
    latest_transfer = found.transfers.order_by("-at").first()
    context = {
        "case": found,
        "handles": services.handles(officer, found),
        "is_dispatcher": services.has_role(officer, Role.DISPATCHER),
        "is_agent": services.has_role(officer, Role.HOTLINE_AGENT),
        "may_contest": latest_transfer is not None
        and latest_transfer.to_department_id == officer.department_id
        and found.status == CaseStatus.ASSIGNED
        and found.acknowledged_at is None,
        "stage": services.overdue_stage(found, timezone.now()),
        "category": selectors.category_label(found.category or found.proposed_category)
        if (found.category or found.proposed_category)
        else "",
        "events": found.events.select_related("department", "actor"),
        "transfers": found.transfers.select_related("from_department", "to_department"),
        "reporters": found.reporters.all(),
        "photos": found.photos.all(),
        "contacts": [
            (r, personal_data.mask_name(r.name) if r.name else "", r.phone) for r in contacts
        ]
        if contacts is not None
        else None,
        "progress_form": bound.get("progress", forms.NoteForm()),
        "answer_form": bound.get("answer", forms.AnswerForm()),
        "transfer_form": bound.get("transfer", forms.TransferForm()),
        "contest_form": bound.get("contest", forms.ContestForm()),
        "contacts_form": bound.get("contacts", forms.ContactsForm()),
        "callback_form": bound.get("callback", _callback_form(found)),
    }
    return render(request, "grievances/work_case.html", context)

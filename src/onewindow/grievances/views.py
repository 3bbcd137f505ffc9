"""Pages of the hotline: report, follow and rate (citizens), the agent's console, the
dispatcher's queue, the department's case page, scoreboard, trends, the public case wall,
reviews and rectification, mediation, partner keys. Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core import personal_data, ratelimit
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.models import Division
from onewindow.core.ratelimit import RateLimited
from onewindow.grievances import forms, intake, mediation, reviews, selectors, services, text
from onewindow.grievances.api import may_see_trends, parse_week
from onewindow.grievances.models import (
    ApiClient,
    Case,
    CaseStatus,
    Channel,
    MergeProposal,
    RectificationTask,
    Transfer,
)
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.decorators import officer_required
from onewindow.identity.models import AccessKind, Department, OfficerRole, Role, User
from onewindow.identity.selectors import acting_for


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _show(form: Any, error: DomainError) -> None:
    per_field = error.params.get("errors")
    if isinstance(per_field, dict):
        for name, message in per_field.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error))


def _require(request: HttpRequest, role: str) -> User:
    user = _user(request)
    if not services.has_role(user, role):
        raise HttpForbidden
    return user


def _rate_limited(
    request: HttpRequest, error: RateLimited, template: str, context: dict[str, Any]
) -> HttpResponse:
    context = {**context, "rate_limited": str(error)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.params.get("retry_after", 3600))
    return response


# ----- the public ----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "grievances/home.html", {"recent": selectors.public_wall(limit=5)})


@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Report a case on the web: signed in, anonymous, or by a village agent for a resident."""
    consent = acting_for(request)
    user = (
        consent.resident if consent else (request.user if isinstance(request.user, User) else None)
    )
    form = forms.CaseForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "reporter": user, "acting_for": consent}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photos = [
            intake.Photo(name=f.name or "photo", content=f.read())
            for f in request.FILES.getlist("photos")[: intake.MAX_PHOTOS + 1]
        ]
        try:
            # Signed in (a resident, or a village agent acting for one): per account, so
            # neighbours at one station do not share a limit; anonymous: per address.
            ratelimit.hit_requester(
                request,
                per_address=ratelimit.HOTLINE_PER_ADDRESS,
                per_account=ratelimit.HOTLINE_PER_ACCOUNT,
            )
            case = intake.submit_case(
                kind=data["kind"],
                text_in=data["text"],
                location=intake.Location(
                    division=Division.objects.get(code=data["division"]),
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    address=data["address"],
                ),
                channel=Channel.VILLAGE_AGENT if consent else Channel.WEB,
                contact=intake.Contact(
                    user=user,
                    name=data["name"] or (user.real_name if user else ""),
                    phone=data["phone"],
                    anonymous=data["anonymous"],
                    preference=data["contact_preference"],
                ),
                urgency=data["urgency"],
                photos=photos,
                ip=str(request.META.get("REMOTE_ADDR", "")),
                recorded_by=consent.agent if consent else None,
            )
        except RateLimited as error:
            return _rate_limited(request, error, "grievances/new.html", context)
        except DomainError as error:
            _show(form, error)
        else:
            messages.success(
                request,
                _("Case %(ref)s received. We answer by %(due)s.")
                % {"ref": case.ref, "due": timezone.localtime(case.resolve_due).date()},
            )
            if user is not None and not consent:
                return HttpResponseRedirect(reverse("grievances:case", args=[case.ref]))
            return HttpResponseRedirect(reverse("grievances:home"))
    return render(request, "grievances/new.html", context)


@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    cases = [
        (case, text.desensitise(case.text), text.desensitise(case.public_reply))
        for case in selectors.public_wall(query)
    ]
    return render(request, "grievances/wall.html", {"cases": cases, "q": query})


@require_GET
def wall_case(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        case = selectors.public_case(ref)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "grievances/wall_case.html",
        {
            "case": case,
            "question": text.desensitise(case.text),
            "answer": text.desensitise(case.public_reply),
            "category": selectors.category_label(case.category or case.proposed_category),
        },
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Anyone who called follows their case by its number and their phone number (POST, so
    the phone number stays out of addresses and logs)."""
    form = forms.TrackForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        try:
            found = selectors.track_case(form.cleaned_data["ref"], form.cleaned_data["phone"])
        except NotFound as error:
            _show(form, error)
        else:
            # The page shows the case, not the phone number it was asked with.
            form = forms.TrackForm(initial={"ref": found.ref})
    return render(
        request,
        "grievances/track.html",
        {
            "form": form,
            "case": found,
            "events": (
                found.events.exclude(action__in=["rated"]).select_related("department")
                if found
                else []
            ),
            "answer": text.desensitise(found.public_reply) if found else "",
        },
    )


# ----- reporters ------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "grievances/mine.html", {"cases": selectors.cases_of(_user(request))})


@login_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        found, reporter = selectors.access_own_case(_user(request), ref)
    except NotFound:
        raise Http404 from None
    form = forms.RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_answer(
                reporter,
                level=form.cleaned_data["level"],
                tags=form.cleaned_data["tags"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            _show(form, error)
        else:
            messages.success(request, _("Thank you: your rating is recorded."))
            return HttpResponseRedirect(request.path)
    found.refresh_from_db()
    rated = found.ratings.filter(reporter=reporter, round=found.reopen_count).first()
    return render(
        request,
        "grievances/case.html",
        {
            "case": found,
            "reporter": reporter,
            "form": form,
            "may_rate": found.status == CaseStatus.ANSWERED and rated is None,
            "rated": rated,
            "events": found.events.exclude(action__in=["rated"]).select_related("department"),
            "contact_views": identity_selectors.accesses_about(
                _user(request), case_ref=found.ref, kinds=[AccessKind.CONTACT_READ]
            ),
        },
    )


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    invitations = _user(request).review_invitations.select_related("department")
    return render(request, "grievances/reviews.html", {"invitations": invitations})


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        invitation = selectors.access_invitation(user, pk)
    except NotFound:
        raise Http404 from None
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.submit_review(
                user,
                invitation,
                level=form.cleaned_data["level"],
                tags=form.cleaned_data["tags"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            _show(form, error)
        else:
            messages.success(request, _("Thank you for your review."))
            return HttpResponseRedirect(request.path)
    done = getattr(invitation, "review", None) if hasattr(invitation, "review") else None
    return render(
        request, "grievances/review.html", {"invitation": invitation, "form": form, "done": done}
    )


# ----- hotline agents ---------------------------------------------------------------------


@officer_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """The agent records a call while on the phone: caller, callback number, what was said."""
    agent = _require(request, Role.HOTLINE_AGENT)
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
            return _rate_limited(request, error, "grievances/console.html", context)
        except DomainError as error:
            _show(form, error)
        else:
            where = recorded.department.name if recorded.department else _("the dispatcher's queue")
            messages.success(
                request,
                _("Case %(ref)s recorded and sent to %(where)s.")
                % {"ref": recorded.ref, "where": where},
            )
            return HttpResponseRedirect(reverse("grievances:work-case", args=[recorded.ref]))
    return render(request, "grievances/console.html", context)


# ----- dispatchers ------------------------------------------------------------------------


@officer_required
@require_GET
def dispatch(request: HttpRequest) -> HttpResponse:
    _require(request, Role.DISPATCHER)
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
    dispatcher = _require(request, Role.DISPATCHER)
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
            _show(form, error)
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
    dispatcher = _require(request, Role.DISPATCHER)
    proposal = MergeProposal.objects.filter(pk=pk).first()
    if proposal is None:
        raise Http404
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
    dispatcher = _require(request, Role.DISPATCHER)
    transfer = Transfer.objects.filter(pk=pk).first()
    if transfer is None:
        raise Http404
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


# ----- departments --------------------------------------------------------------------------


@officer_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    officer = _user(request)
    now = timezone.now()
    rows = [(c, services.overdue_stage(c, now)) for c in selectors.department_queue(officer)[:200]]
    return render(request, "grievances/work.html", {"rows": rows})


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
    officer = _user(request)
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
                    _show(form, error)
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


# ----- supervisors ------------------------------------------------------------------------


@officer_required
@require_GET
def scoreboard(request: HttpRequest) -> HttpResponse:
    return render(request, "grievances/scoreboard.html", {"rows": selectors.scoreboard()})


@officer_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    if not may_see_trends(_user(request)):
        raise HttpForbidden
    error = ""
    try:
        year, week = parse_week(request.GET.get("week", ""))
    except DomainError as problem:
        error = str(problem)
        year, week = selectors.iso_week(timezone.localdate())
    division = Division.objects.filter(code=request.GET.get("division", "")).first()
    by_category, by_department = selectors.counts_by_category_and_department(
        year=year, week=week, division=division
    )
    return render(
        request,
        "grievances/trends.html",
        {
            "year": year,
            "week": week,
            "week_value": f"{year}-W{week:02d}",
            "division": division,
            "divisions": forms.division_choices()[1:],
            "terms": selectors.hot_terms(year=year, week=week, division=division),
            "by_category": by_category,
            "by_department": by_department,
            "error": error,
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def rectifications(request: HttpRequest) -> HttpResponse:
    officer = _user(request)
    form = forms.ResponseForm(request.POST or None)
    if request.method == "POST":
        task = (
            selectors.rectifications_for(officer).filter(pk=request.POST.get("task", "0")).first()
        )
        if task is None:
            raise Http404
        if form.is_valid():
            try:
                reviews.complete_rectification(
                    officer, task, response=form.cleaned_data["response"]
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Recorded; the reviewer has been told."))
                return HttpResponseRedirect(request.path)
    tasks: list[RectificationTask] = list(selectors.rectifications_for(officer))
    return render(request, "grievances/rectifications.html", {"tasks": tasks, "form": form})


# ----- mediation --------------------------------------------------------------------------


@officer_required
@require_http_methods(["GET", "POST"])
def disputes(request: HttpRequest) -> HttpResponse:
    officer = _user(request)
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
                _show(form, error)
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
    officer = _user(request)
    try:
        found = selectors.access_dispute(officer, ref)
    except NotFound:
        raise Http404 from None
    mediators = User.objects.filter(
        department=found.office, roles__role=Role.MEDIATOR, is_active=True
    ).order_by("username")
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
                _show(form, error)
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


# ----- partner keys -------------------------------------------------------------------------


@officer_required
@require_http_methods(["GET", "POST"])
def partners(request: HttpRequest) -> HttpResponse:
    admin = _user(request)
    if not (admin.is_superuser or services.has_role(admin, Role.PLATFORM_ADMIN)):
        raise HttpForbidden
    form = forms.ApiKeyForm(request.POST if request.POST.get("action") == "issue" else None)
    issued_key = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            client = ApiClient.objects.filter(pk=request.POST.get("client", "0")).first()
            if client is None:
                raise Http404
            services.revoke_api_key(admin, client)
            messages.success(request, _("Key revoked."))
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            try:
                _client, issued_key = services.issue_api_key(
                    admin,
                    name=form.cleaned_data["name"],
                    division=Division.objects.get(code=form.cleaned_data["division"]),
                )
            except DomainError as error:
                _show(form, error)
    return render(
        request,
        "grievances/partners.html",
        {
            "clients": ApiClient.objects.select_related("division"),
            "form": form,
            "issued_key": issued_key,
        },
    )


def officer_roles(user: User) -> set[str]:
    return set(OfficerRole.objects.filter(user=user).values_list("role", flat=True))

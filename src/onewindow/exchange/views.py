"""The exchange's HTTP face: signed requests in, signed answers out, the key registry; and
the pages of data sharing (stewards' grants, the auditors' log, reports of misuse).

Machine to machine: a request authenticates by its signature, not by a session, so these
views are exempt from CSRF and answer problem+json when they refuse.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.errors import DomainError, NotFound, problem, problem_from_error
from onewindow.core.problem_json import render_problem
from onewindow.exchange import federation, selectors, services, signing
from onewindow.exchange.forms import (
    GrantDecisionForm,
    GrantRequestForm,
    MisuseDecisionForm,
    MisuseReportForm,
)
from onewindow.exchange.models import DataService, MessageStatus
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.decorators import officer_required, signed_in_user, verified_officer
from onewindow.identity.models import Department, Role, User

JOSE = "application/jose"
MAX_REQUEST_BYTES = 16 * 1024


@csrf_exempt
@require_POST
def exchange(request: HttpRequest, provider: str, service: str) -> HttpResponse:
    """POST /exchange/v1/{provider}/{service} with a compact JWS body."""
    found = (
        DataService.objects.select_related("provider")
        .filter(code=service, provider__code=provider)
        .first()
    )
    if found is None:
        refusal = problem(status=404, code="not_found", title="No such data service.")
        return render_problem(refusal)
    if len(request.body) > MAX_REQUEST_BYTES:
        return render_problem(
            problem(status=413, code="too_large", title="The request is too large.")
        )
    token = request.body.decode("ascii", errors="replace").strip()
    federation.refresh_for_unknown_key(token)  # a peer region's department's new key
    result = services.answer(found, token)
    if result.problem is not None:
        document = problem_from_error(result.problem, instance=request.path)
        document["status"] = result.status
        return render_problem(document)
    return HttpResponse(result.token, content_type=JOSE)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The registry of departments' public keys (RFC 7517 JWK Set)."""
    response = JsonResponse(signing.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


# ----- pages: stewards, auditors, supervisors and the people whose data was read -----------


def _officer_with(request: HttpRequest, *roles: str) -> tuple[User, Department]:
    """The verified officer holding one of `roles` (any officer when none are named) and
    their department; 403 for an officer outside any department."""
    officer = verified_officer(request, *roles)
    if officer.department is None:
        raise HttpForbidden
    return officer, officer.department


@officer_required
@require_GET
def sharing(request: HttpRequest) -> HttpResponse:
    """Data sharing for an officer's department: requests to decide (stewards), the grants it
    holds, and every data service it could ask for."""
    officer, department = _officer_with(request)
    is_steward = identity_selectors.roles_of(officer).filter(role=Role.DATA_STEWARD).exists()
    return render(
        request,
        "exchange/sharing.html",
        {
            "department": department,
            "is_steward": is_steward,
            "to_decide": list(selectors.grants_to_decide(department)[:200]) if is_steward else [],
            "held": list(selectors.grants_held(department)[:200]),
            "services": selectors.data_services(),
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def request_grant(request: HttpRequest, code: str) -> HttpResponse:
    officer, _department = _officer_with(request)
    service = selectors.data_services().filter(code=code).first()
    if service is None:
        raise Http404
    form = GrantRequestForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_grant(
                officer,
                service,
                purpose=form.cleaned_data["purpose"],
                fields=form.cleaned_data["field_names"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Requested. The providing department's steward decides."))
            return HttpResponseRedirect(reverse("data:sharing"))
    return render(request, "exchange/request_grant.html", {"service": service, "form": form})


@officer_required
@require_http_methods(["GET", "POST"])
def grant(request: HttpRequest, pk: int) -> HttpResponse:
    """The provider's steward approves (some fields, until a date), refuses or revokes."""
    steward, department = _officer_with(request, Role.DATA_STEWARD)
    found = selectors.grants_to_decide(department).filter(pk=pk).first()
    if found is None:
        raise Http404
    form = GrantDecisionForm(
        request.POST or None,
        service=found.service,
        requested=found.fields,
        initial={"field_names": found.fields},
    )
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "approve":
                expires_on = form.cleaned_data["expires_on"]
                if expires_on is None:
                    raise DomainError(_("Choose until when the grant holds."), field="expires_on")
                services.approve_grant(
                    steward,
                    found,
                    fields=form.cleaned_data["field_names"],
                    expires_at=timezone.make_aware(datetime.combine(expires_on, time(23, 59, 59))),
                    allows_secrecy=form.cleaned_data["allows_secrecy"],
                )
                messages.success(request, _("Approved."))
            elif action == "refuse":
                services.refuse_grant(steward, found, reason=form.cleaned_data["reason"])
                messages.success(request, _("Refused."))
            elif action == "revoke":
                services.revoke_grant(steward, found)
                messages.success(request, _("Revoked: the next call under it is refused."))
            else:
                raise DomainError(_("Unknown action."), field="action")
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return HttpResponseRedirect(reverse("data:sharing"))
    return render(request, "exchange/grant.html", {"grant": found, "form": form})


@officer_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The message log of the auditor's department: every call it made or answered."""
    _officer, department = _officer_with(request, Role.DATA_STEWARD, Role.SUPERVISOR)
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    return render(
        request,
        "exchange/log.html",
        {
            "department": department,
            "messages_": list(selectors.message_log(department, status=status)[:200]),
            "status": status,
            "statuses": MessageStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The person whose data was read reports a suspected misuse of this access."""
    user = signed_in_user(request)
    try:
        access = identity_selectors.access_about(user, pk)
        selectors.reported_message(access)
    except NotFound:
        raise Http404 from None
    form = MisuseReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.report_misuse(user, access, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Reported as case %(case)s. The department's supervisor will answer by %(due)s.")
                % {"case": opened.case, "due": timezone.localtime(opened.due_at).date()},
            )
            return HttpResponseRedirect(reverse("web:who-read-my-data"))
    return render(request, "exchange/report.html", {"access": access, "form": form})


@officer_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    _officer, department = _officer_with(request, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
    return render(
        request,
        "exchange/cases.html",
        {"department": department, "cases": list(selectors.misuse_cases(department)[:200])},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, case: str) -> HttpResponse:
    officer, department = _officer_with(request, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
    try:
        found = selectors.misuse_case(department, case)
    except NotFound:
        raise Http404 from None
    form = MisuseDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_misuse(
                officer,
                found,
                upheld=form.cleaned_data["outcome"] == "upheld",
                finding=form.cleaned_data["finding"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Decided. The person who reported it has been told."))
            return HttpResponseRedirect(reverse("data:misuse-cases"))
    return render(request, "exchange/case.html", {"case": found, "form": form})

"""Supervision pages at /supervision/: the public plans, their draws and results, the published
algorithm; the inspector's phone-sized inspection page; the supervisor's plans. Thin: parse,
call one service or selector, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.core.errors import DomainError, NotFound
from onewindow.core.text_input import ascii_int
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.models import Department
from onewindow.supervision import cases, forms, inspections, redraw, risk, selectors, services
from onewindow.supervision.models import (
    ChecklistItem,
    CheckOutcome,
    Inspection,
    InspectionStatus,
    Plan,
    PlanStatus,
)

FILES = {
    "plan.json": "application/json",
    "population.json": "application/json",
    "checkpoint.txt": "text/plain; charset=utf-8",
    "draw.json": "application/json",
}


def _public_plan(ref: str) -> Plan:
    try:
        return selectors.public_plan(ref)
    except NotFound:
        raise Http404 from None


@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/plans.html", {"plans": selectors.public_plans()[:200]})


@require_GET
def plan(request: HttpRequest, ref: str) -> HttpResponse:
    found = _public_plan(ref)
    draw = getattr(found, "draw", None)
    return render(
        request,
        "supervision/plan.html",
        {
            "plan": found,
            "draw": draw,
            "visits": draw.document["visits"] if draw else [],
            "results": selectors.published_results(found),
            "grades": sorted(redraw.WEIGHTS.items()),
        },
    )


@require_GET
def plan_file(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    """The inputs `onewindow-redraw` takes, byte for byte as the draw used them."""
    found = _public_plan(ref)
    draw = getattr(found, "draw", None)
    if name not in FILES or (draw is None and name in ("checkpoint.txt", "draw.json")):
        raise Http404
    body: str
    if name == "plan.json":
        body = json.dumps(found.document, ensure_ascii=False, indent=1)
    elif name == "population.json":
        body = json.dumps(found.population, ensure_ascii=False, indent=1)
    elif name == "checkpoint.txt":
        body = draw.checkpoint_note  # type: ignore[union-attr]
    else:
        body = json.dumps(draw.document, ensure_ascii=False, indent=1)  # type: ignore[union-attr]
    response = HttpResponse(body, content_type=FILES[name])
    response["Content-Disposition"] = f'attachment; filename="{found.ref}-{name}"'
    return response


@require_GET
def algorithm(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/algorithm.html",
        {
            "weights": sorted(redraw.WEIGHTS.items()),
            "algorithm": redraw.ALGORITHM,
            "grading": risk.GRADING_TEXT,
            "points": (risk.PENALTY_POINTS, risk.ABNORMAL_POINTS, risk.CASE_POINTS),
        },
    )


def _plan_form(user: Any, data: Any = None) -> forms.PlanForm:
    items = selectors.items().order_by("department__code", "code")
    departments = Department.objects.filter(
        pk__in=items.values_list("department", flat=True)
    ).order_by("code")
    return forms.PlanForm(
        data,
        items=[(item.code, f"{item.code} {item.name}") for item in items],
        departments=[(d.code, d.name) for d in departments],
    )


@officer_required
@require_http_methods(["GET", "POST"])
def work(request: HttpRequest) -> HttpResponse:
    """A supervisor's plans: draft one, fix a draft, draw a fixed plan."""
    user = signed_in_user(request)
    if not selectors.is_supervisor(user):
        raise Http404
    plan_form = _plan_form(user)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "draft":
                plan_form = _plan_form(user, request.POST)
                if plan_form.is_valid():
                    drafted = services.draft_plan(
                        user,
                        services.PlanInput(**plan_form.values()),  # type: ignore[arg-type]
                    )
                    messages.success(request, _("Plan %(ref)s drafted.") % {"ref": drafted.ref})
                    return HttpResponseRedirect(request.path)
            else:
                found = selectors.access_plan(user, request.POST.get("plan", ""))
                if action == "fix":
                    services.fix_plan(user, found)
                    messages.success(
                        request, _("The plan is fixed; its digests are in the ledger.")
                    )
                else:
                    services.draw_plan(user, found)
                    messages.success(
                        request, _("The plan is drawn; the inspections are scheduled.")
                    )
                return HttpResponseRedirect(request.path)
        except DomainError as error:
            if action == "draft":
                _with_error(plan_form, error)
            else:
                messages.error(request, str(error))
                return HttpResponseRedirect(request.path)
    return render(
        request,
        "supervision/work.html",
        {
            "plans": selectors.plans_of(user),
            "statuses": PlanStatus,
            "plan_form": plan_form,
            "overdue": selectors.overdue_results(user)[:200],
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def case_links(request: HttpRequest) -> HttpResponse:
    """Hotline cases about businesses: an officer who may see a case links it to the
    business; a supervisor opens an inspection from a link."""
    user = signed_in_user(request)
    form = forms.LinkForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "open":
                link = cases.access_link(user, ascii_int(request.POST.get("link", "")) or 0)
                opened = cases.open_inspection_from_case(
                    user,
                    link,
                    item_codes=request.POST.getlist("items"),
                    certificate_numbers=request.POST.getlist("inspectors"),
                )
                messages.success(request, _("Inspection %(ref)s opened.") % {"ref": opened.ref})
                return HttpResponseRedirect(request.path)
            form = forms.LinkForm(request.POST)
            if form.is_valid():
                business = selectors.business_by_credit_code(form.cleaned_data["credit_code"])
                cases.link_case(user, form.cleaned_data["case_ref"], business)
                messages.success(request, _("The case is linked to the business."))
                return HttpResponseRedirect(request.path)
        except DomainError as error:
            if request.POST.get("action") == "open":
                messages.error(request, str(error))
                return HttpResponseRedirect(request.path)
            _with_error(form, error)
    is_supervisor = selectors.is_supervisor(user)
    return render(
        request,
        "supervision/cases.html",
        {
            "form": form,
            "links": cases.links_for(user)[:100],
            "is_supervisor": is_supervisor,
            "items": selectors.items().filter(department_id=user.department_id or 0)
            if is_supervisor
            else [],
            "inspectors": selectors.inspectors_of(user.department_id) if is_supervisor else [],
        },
    )


@officer_required
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    found = selectors.inspections_for(user).order_by("status", "-created_at")[:100]
    return render(request, "supervision/inspections.html", {"inspections": found})


def _checks(inspection: Inspection) -> list[ChecklistItem]:
    return list(
        ChecklistItem.objects.filter(item__in=inspection.items.all()).select_related("item")
    )


def _with_error(form: Any, error: DomainError) -> Any:
    """The service's refusal shown on its field (on the form when the field is not in it)."""
    form.add_error(error.field if error.field in form.fields else None, str(error))
    return form


def _act(request: HttpRequest, inspection: Inspection, checks: list[ChecklistItem]) -> Any:
    """Run the posted action; returns the form to show again when it is invalid."""
    user = signed_in_user(request)
    action = request.POST.get("action")
    if action == "checks":
        outcomes = {
            check.pk: request.POST[f"check-{check.pk}"]
            for check in checks
            if request.POST.get(f"check-{check.pk}")
        }
        inspections.record_checks(user, inspection, outcomes)
        messages.success(request, _("Checklist saved."))
        return None
    if action == "finding":
        form = forms.FindingForm(request.POST, checks=[(c.pk, c.text) for c in checks])
        if not form.is_valid():
            return form
        try:
            inspections.record_finding(user, inspection, **form.cleaned_data)
        except DomainError as error:
            return _with_error(form, error)
        messages.success(request, _("Finding recorded."))
        return None
    if action == "photo":
        photo_form = forms.PhotoForm(request.POST, request.FILES)
        if not photo_form.is_valid():
            return photo_form
        inspections.add_photo(user, inspection, photo_form.cleaned_data["photo"])
        messages.success(request, _("Photo added."))
        return None
    if action == "complete":
        complete = forms.CompleteForm(request.POST)
        if not complete.is_valid():
            return complete
        data = complete.cleaned_data
        try:
            inspections.complete_inspection(
                user,
                inspection,
                mode=data["mode"],
                signed=data["acknowledgement"] == "signed",
                signatory=data["signatory"],
                refusal_note=data["refusal_note"],
                summary=data["summary"],
            )
        except DomainError as error:
            return _with_error(complete, error)
        messages.success(request, _("Inspection completed."))
        return None
    if action == "publish":
        inspections.publish_result(user, inspection)
        messages.success(request, _("The result is published."))
        return None
    if action == "order":
        finding = inspection.findings.filter(
            pk=ascii_int(request.POST.get("finding", "")) or 0
        ).first()
        if finding is None:
            raise Http404
        inspections.order_rectification(
            user, finding, working_days=ascii_int(request.POST.get("working_days", "")) or 0
        )
        messages.success(request, _("Rectification ordered; the re-inspection is scheduled."))
        return None
    if action == "penalty":
        penalty_form = _penalty_form(inspection, request.POST)
        if not penalty_form.is_valid():
            return penalty_form
        data = penalty_form.cleaned_data
        try:
            inspections.decide_penalty(
                user,
                inspection,
                finding_ids=data["findings"],
                decision_number=data["decision_number"],
                violation=data["violation"],
                legal_basis=data["legal_basis"],
                fine_fen=int(data["fine_yuan"] * 100),
                decided_on=data["decided_on"],
                publicity_category=data["publicity_category"],
            )
        except DomainError as error:
            return _with_error(penalty_form, error)
        messages.success(request, _("Penalty decided; it goes to the business's credit profile."))
        return None
    raise Http404


def _penalty_form(inspection: Inspection, data: Any = None) -> forms.PenaltyForm:
    findings = [
        (finding.pk, f"{finding.checklist_item.text}: {finding.description[:60]}")
        for finding in inspection.findings.select_related("checklist_item")
    ]
    return forms.PenaltyForm(data, findings=findings)


@officer_required
@require_http_methods(["GET", "POST"])
def inspection(request: HttpRequest, ref: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        found = selectors.access_inspection(user, ref)
    except NotFound:
        raise Http404 from None
    checks = _checks(found)
    invalid: Any = None
    if request.method == "POST":
        try:
            invalid = _act(request, found, checks)
        except DomainError as error:
            messages.error(request, str(error))
        if invalid is None:
            return HttpResponseRedirect(request.path)
    outcomes = dict(found.checks.values_list("checklist_item", "outcome"))
    finding_form = forms.FindingForm(checks=[(c.pk, c.text) for c in checks])
    context = {
        "inspection": found,
        "checks": [(check, outcomes.get(check.pk, "")) for check in checks],
        "outcomes": CheckOutcome.choices,
        "findings": [
            (finding, getattr(finding, "order", None))
            for finding in found.findings.select_related("checklist_item", "order__reinspection")
        ],
        "photos": found.photos.all(),
        "finding_form": finding_form,
        "photo_form": forms.PhotoForm(),
        "complete_form": forms.CompleteForm(),
        "is_open": found.status == InspectionStatus.SCHEDULED,
        "may_publish": found.status == InspectionStatus.COMPLETED
        and inspections.may_publish(user, found),
        "is_assigned": found.inspectors.filter(user=user).exists(),
        "may_decide_penalty": found.status != InspectionStatus.SCHEDULED
        and found.findings.exists()
        and selectors.is_supervisor(user)
        and found.departments.filter(pk=user.department_id or 0).exists(),
        "penalty_form": _penalty_form(found),
        "penalties": found.penalties.all(),
    }
    if isinstance(invalid, forms.PenaltyForm):
        context["penalty_form"] = invalid
    elif isinstance(invalid, forms.FindingForm):
        context["finding_form"] = invalid
    elif isinstance(invalid, forms.PhotoForm):
        context["photo_form"] = invalid
    elif isinstance(invalid, forms.CompleteForm):
        context["complete_form"] = invalid
    return render(request, "supervision/inspection.html", context)

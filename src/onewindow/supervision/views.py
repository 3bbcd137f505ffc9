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

from onewindow.core import personal_data
from onewindow.core.errors import DomainError, NotFound
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.supervision import forms, inspections, redraw, risk, selectors, services
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


@officer_required
@require_http_methods(["GET", "POST"])
def work(request: HttpRequest) -> HttpResponse:
    """A supervisor's plans: fix a draft, draw a fixed plan."""
    user = signed_in_user(request)
    if not selectors.is_supervisor(user):
        raise Http404
    if request.method == "POST":
        try:
            found = selectors.access_plan(user, request.POST.get("plan", ""))
            if request.POST.get("action") == "fix":
                services.fix_plan(user, found)
                messages.success(request, _("The plan is fixed; its digests are in the ledger."))
            else:
                services.draw_plan(user, found)
                messages.success(request, _("The plan is drawn; the inspections are scheduled."))
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(request.path)
    return render(
        request,
        "supervision/work.html",
        {"plans": selectors.plans_of(user), "statuses": PlanStatus},
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
    raise Http404


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
    signatory = (
        personal_data.mask_name(
            personal_data.decrypt(found.signatory_encrypted, context=inspections.SIGNATORY_CONTEXT)
        )
        if found.signatory_encrypted
        else ""
    )
    finding_form = forms.FindingForm(checks=[(c.pk, c.text) for c in checks])
    context = {
        "inspection": found,
        "checks": [(check, outcomes.get(check.pk, "")) for check in checks],
        "outcomes": CheckOutcome.choices,
        "findings": found.findings.select_related("checklist_item"),
        "photos": found.photos.all(),
        "finding_form": finding_form,
        "photo_form": forms.PhotoForm(),
        "complete_form": forms.CompleteForm(),
        "is_open": found.status == InspectionStatus.SCHEDULED,
        "may_publish": found.status == InspectionStatus.COMPLETED
        and inspections.may_publish(user, found),
        "signatory": signatory,
    }
    if isinstance(invalid, forms.FindingForm):
        context["finding_form"] = invalid
    elif isinstance(invalid, forms.PhotoForm):
        context["photo_form"] = invalid
    elif isinstance(invalid, forms.CompleteForm):
        context["complete_form"] = invalid
    return render(request, "supervision/inspection.html", context)

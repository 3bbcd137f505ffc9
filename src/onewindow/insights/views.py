"""Insights pages at /insights/: the public dashboard, each indicator's definition page and
published reports; analysts (work/) design studies, see every indicator and publish reports;
village agents (visits/) answer questionnaires with the residents drawn."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.core.models import Division
from onewindow.identity.decorators import (
    officer_required,
    signed_in_user,
    station_agent_required,
    verified_officer,
)
from onewindow.identity.models import Role
from onewindow.insights import figures, questionnaires, report, selectors, services
from onewindow.insights.forms import StudyForm, answer_form
from onewindow.insights.indicators import INDICATORS, divide_weights


def _division(request: HttpRequest) -> Division | None:
    code = request.GET.get("division", "").strip()
    if not code:
        return None
    try:
        return selectors.division_named(code)
    except NotFound as error:
        raise Http404(str(error)) from None


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    within = _division(request)
    computed = selectors.current_figures()
    index = figures.divide_index(computed, within=within)
    return render(
        request,
        "insights/dashboard.html",
        {
            "within": within,
            "rows": selectors.rows(computed, selectors.public_indicators(), within),
            "index": index[0] if index else None,
            "counties": selectors.counties_with_index(computed, within),
            "period": selectors.months_label(computed.months),
            "reports": selectors.published_reports()[:10],
            "weights": [(INDICATORS[key], weight) for key, weight in divide_weights().items()],
        },
    )


def _may_see_all(request: HttpRequest) -> bool:
    try:
        services.analyst_scope(verified_officer(request, Role.ANALYST))
    except DomainError:
        return False
    return True


@require_GET
def indicator(request: HttpRequest, key: str) -> HttpResponse:
    analyst = _may_see_all(request)
    try:
        found = selectors.indicator_named(key, public_only=not analyst)
    except NotFound as error:
        raise Http404(str(error)) from None
    within = _division(request)
    if analyst and within is not None:
        services.check_division_visible(signed_in_user(request), within)
    computed = selectors.current_figures()
    return render(
        request,
        "insights/indicator.html",
        {
            "indicator": found,
            "within": within,
            "row": selectors.rows(computed, [found], within)[0],
            "series": selectors.series_rows(computed, found, within),
            "groups": sorted(computed.by_group(found, within=within).items()),
            "period": selectors.months_label(computed.months),
            "format": lambda value: selectors.format_value(found, value),
        },
    )


def _report(ref: str) -> Any:
    try:
        return selectors.access_published_report(ref)
    except NotFound as error:
        raise Http404(str(error)) from None


@require_GET
def published_report(request: HttpRequest, ref: str) -> HttpResponse:
    study = _report(ref)
    built = study.report
    indicators = [
        {**entry, "indicator": INDICATORS[entry["key"]]}
        for entry in built["indicators"]["indicators"]
        if entry["key"] in INDICATORS
    ]
    return render(
        request,
        "insights/report.html",
        {"study": study, "report": built, "indicators": indicators},
    )


@require_GET
def report_data(request: HttpRequest, ref: str) -> HttpResponse:
    """The data behind the report's charts: each indicator's monthly series by class."""
    study = _report(ref)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.ref}.csv"'
    writer = csv.writer(response)
    writer.writerow(["indicator", "month", "urban", "urban_n", "rural", "rural_n"])
    for entry in study.report["indicators"]["indicators"]:
        for month, urban, urban_n, rural, rural_n in entry["series"]:
            writer.writerow([entry["key"], month, urban, urban_n, rural, rural_n])
    return response


# ----- analysts ---------------------------------------------------------------------------


@officer_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    analyst = verified_officer(request, Role.ANALYST)
    scope = services.analyst_scope(analyst)
    within = _division(request) or scope
    services.check_division_visible(analyst, within)
    computed = selectors.current_figures()
    return render(
        request,
        "insights/work.html",
        {
            "scope": scope,
            "within": within,
            "rows": selectors.rows(computed, list(INDICATORS.values()), within),
            "studies": selectors.studies_for(analyst)[:50],
            "period": selectors.months_label(computed.months),
        },
    )


@officer_required
@require_GET
def work_export(request: HttpRequest) -> HttpResponse:
    """Every indicator for the division as CSV: value, urban, rural and the gap's intervals."""
    analyst = verified_officer(request, Role.ANALYST)
    within = _division(request) or services.analyst_scope(analyst)
    services.check_division_visible(analyst, within)
    computed = selectors.current_figures()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicators-{within.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "indicator",
            "division",
            "value",
            "n",
            "urban",
            "rural",
            "difference",
            "difference_low",
            "difference_high",
            "ratio",
            "ratio_low",
            "ratio_high",
        ]
    )
    for row in selectors.rows(computed, list(INDICATORS.values()), within):
        gap = row.gap
        writer.writerow(
            [
                row.indicator.key,
                within.code,
                row.overall,
                row.overall_n,
                row.urban,
                row.rural,
                *(
                    (gap.difference.estimate, gap.difference.low, gap.difference.high)
                    if gap
                    else ("", "", "")
                ),
                *(
                    (gap.ratio.estimate, gap.ratio.low, gap.ratio.high)
                    if gap and gap.ratio
                    else ("", "", "")
                ),
            ]
        )
    return response


@officer_required
@require_http_methods(["GET", "POST"])
def design(request: HttpRequest) -> HttpResponse:
    analyst = verified_officer(request, Role.ANALYST)
    scope = services.analyst_scope(analyst)
    form = StudyForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            study = services.design_study(
                analyst,
                title_zh=form.cleaned_data["title_zh"],
                title_en=form.cleaned_data["title_en"],
                questionnaire=form.cleaned_data["questionnaire"],
                counties=form.cleaned_data["counties"],
                sample_size=form.cleaned_data["sample_size"],
                seed=form.cleaned_data["seed"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("Study designed and its sample drawn."))
            return HttpResponseRedirect(reverse("insights:study", args=[study.ref]))
    return render(request, "insights/design.html", {"form": form})


@officer_required
@require_GET
def study(request: HttpRequest, ref: str) -> HttpResponse:
    analyst = verified_officer(request, Role.ANALYST)
    try:
        found = selectors.access_study(analyst, ref)
    except NotFound as error:
        raise Http404(str(error)) from None
    return render(
        request,
        "insights/study.html",
        {"study": found, "responses": report.responses_of(found)},
    )


@officer_required
@require_POST
def publish(request: HttpRequest, ref: str) -> HttpResponse:
    analyst = verified_officer(request, Role.ANALYST)
    try:
        found = selectors.access_study(analyst, ref)
    except NotFound as error:
        raise Http404(str(error)) from None
    try:
        services.publish_report(analyst, found)
    except DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("insights:study", args=[ref]))
    messages.success(request, _("Report published."))
    return HttpResponseRedirect(reverse("insights:report", args=[ref]))


# ----- village agents ---------------------------------------------------------------------


@station_agent_required
@require_GET
def visits(request: HttpRequest) -> HttpResponse:
    agent = signed_in_user(request)
    rows = list(selectors.visits_for(agent)[:200])
    selectors.record_visit_list_read(agent, rows)
    return render(request, "insights/visits.html", {"rows": rows})


@station_agent_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    agent = signed_in_user(request)
    try:
        member = selectors.access_visit(agent, pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    questions = member.study.questionnaire.questions
    form = answer_form(questions, request.POST or None)
    if request.method == "POST" and form.is_valid():
        raw = {key: value for key, value in form.cleaned_data.items()}
        try:
            services.answer(agent, member, raw)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("Answers recorded. Thank the resident."))
            return HttpResponseRedirect(reverse("insights:visits"))
    return render(
        request,
        "insights/visit.html",
        {
            "member": member,
            "form": form,
            "title": member.study.questionnaire.title,
            "questionnaires": questionnaires,
        },
    )

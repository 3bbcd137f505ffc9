"""For supervisors: the departments' scoreboard and the public-opinion trends."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.selectors import division_choices
from onewindow.grievances import selectors
from onewindow.identity.decorators import officer_required, signed_in_user


@officer_required
@require_GET
def scoreboard(request: HttpRequest) -> HttpResponse:
    return render(request, "grievances/scoreboard.html", {"rows": selectors.scoreboard()})


@officer_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_trends(signed_in_user(request)):
        raise HttpForbidden
    error = ""
    try:
        year, week = selectors.parse_week(request.GET.get("week", ""))
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
            "divisions": division_choices(),
            "terms": selectors.hot_terms(year=year, week=week, division=division),
            "by_category": by_category,
            "by_department": by_department,
            "error": error,
        },
    )

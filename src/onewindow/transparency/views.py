"""Open-data portal pages at /open-data/: browse and search datasets, a dataset's page
(preview, downloads, licence, versions), the DCAT catalogue; budgets and spending;
procurement contracts."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from onewindow.core.errors import DomainError, NotFound
from onewindow.core.site import public_url
from onewindow.core.text_input import ascii_int
from onewindow.transparency import catalogue, downloads, fiscal, ocds, selectors
from onewindow.transparency.models import LICENCE_URLS, Dataset, Licence

JSON_LD = "application/ld+json"
SITE = ("杭州市", "Hangzhou")


def _dataset(name: str) -> Dataset:
    try:
        return selectors.dataset(name)
    except NotFound as error:
        raise Http404(str(error)) from None


@require_GET
def dataset_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    filters = [
        (key, request.GET[param])
        for key, param in (
            ("organization", "organization"),
            ("tags", "tag"),
            ("groups", "group"),
            ("res_format", "format"),
        )
        if request.GET.get(param)
    ]
    page = max(1, ascii_int(request.GET.get("page", "1")) or 1)
    try:
        found = selectors.search(
            q, filters=filters, rows=20, start=(page - 1) * 20, facet_fields=selectors.FACETS
        )
    except DomainError:
        raise Http404 from None
    departments = {d.code: d for d in selectors.organizations()}
    return render(
        request,
        "transparency/list.html",
        {
            "q": q,
            "found": found,
            "filters": dict(filters),
            "departments": departments,
            "organization_facet": [
                (code, departments[code].name if code in departments else code, count)
                for code, count in found.facets.get("organization", {}).items()
            ],
            "tag_facet": list(found.facets.get("tags", {}).items()),
            "group_facet": list(found.facets.get("groups", {}).items()),
            "format_facet": list(found.facets.get("res_format", {}).items()),
            "page": page,
            "has_next": found.count > page * 20,
        },
    )


@require_GET
def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    ds = _dataset(name)
    releases = selectors.releases_of(ds)
    release = releases[0]
    changes = [
        (newer, older, newer.row_count - older.row_count) for newer, older in pairwise(releases)
    ]
    return render(
        request,
        "transparency/detail.html",
        {
            "dataset": ds,
            "release": release,
            "releases": releases,
            "changes": changes,
            "columns": [name for name, _kind in release.fields],
            "preview": [
                [row.get(column) for column, _kind in release.fields]
                for row in selectors.preview(release)
            ],
            "licence_title": Licence(ds.licence).label,
            "licence_url": LICENCE_URLS[Licence(ds.licence)],
            "formats": [fmt.lower() for fmt in selectors.FORMATS],
            "is_zh": (get_language() or "").startswith("zh"),
        },
    )


@require_GET
def download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    ds = _dataset(name)
    if fmt not in downloads.FORMATS:
        raise Http404
    version = request.GET.get("version")
    try:
        release = selectors.release_version(ds, ascii_int(version) if version else None)
    except NotFound as error:
        raise Http404(str(error)) from None
    write, content_type = downloads.FORMATS[fmt]
    response = HttpResponse(write(release, selectors.all_rows(release)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{ds.name}-v{release.version}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json(body: Any, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1), content_type=content_type
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    return _json(catalogue.dcat_catalog(public_url(), site_zh=SITE[0], site_en=SITE[1]), JSON_LD)


@require_GET
def dataset_jsonld(request: HttpRequest, name: str) -> HttpResponse:
    body = {"@context": catalogue.CONTEXT, **catalogue.dcat_dataset(_dataset(name), public_url())}
    return _json(body, JSON_LD)


# ----- budgets and spending ------------------------------------------------------------------


@require_GET
def spending(request: HttpRequest) -> HttpResponse:
    years = fiscal.years()
    year = ascii_int(request.GET.get("year", "")) or (years[-1] if years else 0)
    functions = fiscal.totals_by_function(year)
    largest = max((max(budget, actual) for _c, _n, budget, actual in functions), default=0) or 1
    return render(
        request,
        "transparency/spending.html",
        {
            "years": years,
            "year": year,
            "functions": [
                (
                    code,
                    name,
                    budget,
                    actual,
                    round(100 * budget / largest),
                    round(100 * actual / largest),
                )
                for code, name, budget, actual in functions
            ],
            "departments": fiscal.totals_by_department(year),
            "packages": [f"budget-{y}" for y in years] + [f"spending-{y}" for y in years],
        },
    )


def _package(name: str) -> fiscal.FiscalPackage:
    kind, _sep, year_text = name.partition("-")
    year = ascii_int(year_text)
    if kind not in ("budget", "spending") or year is None or year not in fiscal.years():
        raise Http404
    build = fiscal.budget_package if kind == "budget" else fiscal.spending_package
    return build(year, city=SITE[0], city_en=SITE[1])


@require_GET
def fiscal_descriptor(request: HttpRequest, name: str) -> HttpResponse:
    return _json(_package(name).descriptor)


@require_GET
def fiscal_csv(request: HttpRequest, name: str, file: str) -> HttpResponse:
    package = _package(name)
    if file != package.csv_name:
        raise Http404
    response = HttpResponse(package.csv_text.encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


# ----- procurement ---------------------------------------------------------------------------


@require_GET
def procurement_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    return render(
        request,
        "transparency/procurement_list.html",
        {
            "q": q,
            "status": status,
            "statuses": ocds.STATUS_CHOICES,
            "processes": ocds.search(q, status=status),
        },
    )


@require_GET
def procurement_detail(request: HttpRequest, ocid: str) -> HttpResponse:
    try:
        process = ocds.process(ocid)
    except NotFound as error:
        raise Http404(str(error)) from None
    return render(request, "transparency/procurement_detail.html", {"process": process})


@require_GET
def procurement_release_package(request: HttpRequest, ocid: str) -> HttpResponse:
    try:
        process = ocds.process(ocid)
    except NotFound as error:
        raise Http404(str(error)) from None
    return _json(ocds.release_package([process], public_url()))


@require_GET
def procurement_record_package(request: HttpRequest, ocid: str) -> HttpResponse:
    try:
        process = ocds.process(ocid)
    except NotFound as error:
        raise Http404(str(error)) from None
    return _json(ocds.record_package([process], public_url()))


@require_GET
def procurement_all(request: HttpRequest) -> JsonResponse | HttpResponse:
    return _json(ocds.release_package(ocds.search(""), public_url()))

"""The CKAN Action API v3, read side, at /api/3/action/ (and /api/action/, where CKAN
answers too and where the `ckanapi` client calls by default).

CKAN's envelope: {"help", "success", "result"} or {"help", "success": false, "error":
{"__type", ...}}: a Validation Error (409) names the parameter, a Not Found Error is a 404.
Plain views (not /api/v1/'s django-ninja): the envelope and the error shapes are CKAN's."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from onewindow.core.errors import NotFound
from onewindow.core.site import public_url
from onewindow.transparency import catalogue, selectors
from onewindow.transparency.selectors import BadParameter

Params = Mapping[str, Any]


def _help(request: HttpRequest, action: str) -> str:
    return request.build_absolute_uri(reverse("ckan:help", args=[action]))


def _int(params: Params, name: str, default: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool):
        raise BadParameter("%(name)s: an integer.", params={"name": name}, field=name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadParameter("%(name)s: an integer.", params={"name": name}, field=name) from None


def _bool(params: Params, name: str, default: bool) -> bool:
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes")


def _json_param(params: Params, name: str, default: Any) -> Any:
    value = params.get(name, default)
    if isinstance(value, str):
        try:
            return json.loads(value) if value else default
        except ValueError:
            raise BadParameter("%(name)s: JSON.", params={"name": name}, field=name) from None
    return value


def _list(params: Params, name: str) -> list[str] | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith("["):
            value = _json_param(params, name, [])
        else:
            return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadParameter("%(name)s: a list of names.", params={"name": name}, field=name)
    return value


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise BadParameter("Missing value", field=name)
    return value


def _base(request: HttpRequest) -> str:
    return public_url()


def package_list(request: HttpRequest, params: Params) -> Any:
    limit = _int(params, "limit", selectors.MAX_ROWS)
    offset = _int(params, "offset", 0)
    found = selectors.search(rows=min(limit, selectors.MAX_ROWS), start=offset)
    return [ds.name for ds in found.datasets]


def package_search(request: HttpRequest, params: Params) -> Any:
    facet_fields = _list(params, "facet.field") or []
    found = selectors.search(
        str(params.get("q", "") or ""),
        fq=str(params.get("fq", "") or ""),
        sort=str(params.get("sort", "") or ""),
        start=_int(params, "start", 0),
        rows=_int(params, "rows", 10),
        facet_fields=facet_fields,
    )
    base = _base(request)
    return {
        "count": found.count,
        "sort": params.get("sort") or "name asc",
        "results": [catalogue.package(ds, base) for ds in found.datasets],
        "facets": found.facets,
        "search_facets": {
            name: {
                "title": name,
                "items": [
                    {"name": value, "display_name": value, "count": count}
                    for value, count in items.items()
                ],
            }
            for name, items in found.facets.items()
        },
    }


def package_show(request: HttpRequest, params: Params) -> Any:
    return catalogue.package(selectors.dataset(_required(params, "id")), _base(request))


def _organization_list(params: Params, request: HttpRequest) -> Any:
    counts = selectors.package_counts()
    departments = selectors.organizations()
    if _bool(params, "all_fields", False):
        return [catalogue.organization(d, counts[d.code], _base(request)) for d in departments]
    return [d.code for d in departments]


def organization_list(request: HttpRequest, params: Params) -> Any:
    return _organization_list(params, request)


def organization_show(request: HttpRequest, params: Params) -> Any:
    department = selectors.organization(_required(params, "id"))
    shown = catalogue.organization(
        department, selectors.package_counts()[department.code], _base(request)
    )
    if _bool(params, "include_datasets", False):
        found = selectors.search(fq=f"organization:{department.code}", rows=selectors.MAX_ROWS)
        shown["packages"] = [catalogue.package(ds, _base(request)) for ds in found.datasets]
    return shown


def group_list(request: HttpRequest, params: Params) -> Any:
    counts = selectors.groups()
    if _bool(params, "all_fields", False):
        return [catalogue.group(name, count) for name, count in sorted(counts.items())]
    return sorted(counts)


def group_show(request: HttpRequest, params: Params) -> Any:
    name = _required(params, "id")
    counts = selectors.groups()
    if name not in counts:
        raise NotFound("Not found", field="id")
    return catalogue.group(name, counts[name])


def tag_list(request: HttpRequest, params: Params) -> Any:
    query = str(params.get("query", "") or "")
    names = sorted(name for name in selectors.tags() if query in name)
    if _bool(params, "all_fields", False):
        return [{"id": name, "name": name, "display_name": name} for name in names]
    return names


def resource_show(request: HttpRequest, params: Params) -> Any:
    release, fmt = selectors.resource(_required(params, "id"))
    return catalogue.resource(release, fmt, _base(request))


def _release_for_datastore(params: Params) -> Any:
    release, fmt = selectors.resource(_required(params, "resource_id"))
    if fmt != "CSV":
        raise NotFound("Not found: the datastore holds the CSV resource", field="resource_id")
    return release


def datastore_search(request: HttpRequest, params: Params) -> Any:
    release = _release_for_datastore(params)
    filters = _json_param(params, "filters", {})
    if not isinstance(filters, dict):
        raise BadParameter("filters: a JSON object.", field="filters")
    q = params.get("q", "") or ""
    if not isinstance(q, str):
        raise BadParameter("q: text.", field="q")
    limit = _int(params, "limit", 100)
    offset = _int(params, "offset", 0)
    page = selectors.datastore(
        release,
        filters=filters,
        q=q,
        fields=_list(params, "fields"),
        sort=str(params.get("sort", "") or ""),
        limit=limit,
        offset=offset,
        include_total=_bool(params, "include_total", True),
    )
    start = reverse("ckan:action", args=["datastore_search"]) + f"?resource_id={release.id}"
    if limit != 100:
        start += f"&limit={limit}"
    result: dict[str, Any] = {
        "resource_id": str(release.id),
        "fields": page.fields,
        "records": page.records,
        "limit": page.limit,
        "offset": page.offset,
        "include_total": page.total is not None,
        "records_format": "objects",
        "_links": {"start": start, "next": f"{start}&offset={offset + limit}"},
    }
    if filters:
        result["filters"] = filters
    if q:
        result["q"] = q
    if params.get("sort"):
        result["sort"] = params["sort"]
    if page.total is not None:
        result["total"] = page.total
        result["total_was_estimated"] = False
    return result


def datastore_info(request: HttpRequest, params: Params) -> Any:
    release = _release_for_datastore({"resource_id": params.get("id") or params.get("resource_id")})
    return {
        "meta": {"count": release.row_count, "id": str(release.id)},
        "fields": [
            {"id": name, "type": kind, "schema": {"native_type": kind}}
            for name, kind in release.fields
        ],
    }


ACTIONS: dict[str, Callable[[HttpRequest, Params], Any]] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
    "datastore_info": datastore_info,
}


def _params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in request.GET:
        params[key] = request.GET.get(key)
    if request.method == "POST":
        if request.content_type == "application/json" and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                raise BadParameter("The body is not JSON.", field="body") from None
            if not isinstance(body, dict):
                raise BadParameter("The body is a JSON object.", field="body")
            params.update(body)
        else:
            for key in request.POST:
                params[key] = request.POST.get(key)
    return params


def _error(request: HttpRequest, action: str, status: int, error: dict[str, Any]) -> JsonResponse:
    return JsonResponse(
        {"help": _help(request, action), "success": False, "error": error},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt  # read-only actions, no session: CKAN clients POST their parameters as JSON
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, name: str) -> JsonResponse:
    handler = ACTIONS.get(name)
    if handler is None:
        return _error(
            request,
            name,
            400,
            {"__type": "Bad request", "message": f"Action name not known: {name}"},
        )
    try:
        result = handler(request, _params(request))
    except BadParameter as error:
        return _error(
            request,
            name,
            409,
            {"__type": "Validation Error", error.field or "params": [str(error)]},
        )
    except NotFound as error:
        return _error(
            request, name, 404, {"__type": "Not Found Error", "message": f"Not found: {error}"}
        )
    response = JsonResponse(
        {"help": _help(request, name), "success": True, "result": result},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def help_text(request: HttpRequest, name: str) -> JsonResponse:
    handler = ACTIONS.get(name)
    if handler is None:
        return _error(
            request, "help_show", 404, {"__type": "Not Found Error", "message": "Not found"}
        )
    return JsonResponse(
        {
            "help": _help(request, name),
            "success": True,
            "result": f"CKAN action {name} (read side).",
        }
    )

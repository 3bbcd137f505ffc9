"""Reads of open data that the portal, the CKAN API and the catalogues share. Everything
here is public: only released tables are read."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError, NotFound
from onewindow.identity.models import Department, User
from onewindow.transparency.models import (
    INDEXED_TEXT,
    Dataset,
    Release,
    ReleaseRow,
    ReleaseValue,
)

FORMATS = ("CSV", "JSON", "XLSX")
FACETS = ("organization", "tags", "groups", "res_format", "license_id")
MAX_ROWS = 1000  # package_search's rows cap
MAX_LIMIT = 1000  # datastore_search's limit cap


class BadParameter(DomainError):
    """A parameter the CKAN API refuses; `field` names it (CKAN's Validation Error)."""

    status = 409
    code = "validation"


def published() -> QuerySet[Dataset]:
    """Datasets with at least one release."""
    # EXISTS, not a join and DISTINCT: the planner stops at a dataset's first release.
    return Dataset.objects.filter(
        Exists(Release.objects.filter(dataset=OuterRef("pk")))
    ).select_related("organization")


def dataset(ref: str) -> Dataset:
    """A published dataset by its name or id. Raises NotFound."""
    query = Q(name=ref)
    if re.fullmatch(r"[0-9a-fA-F-]{32,36}", ref):
        query |= Q(id=ref)
    found = published().filter(query).first()
    if found is None:
        raise NotFound(_("No dataset has this name or id."), field="id")
    return found


def definition(publisher: User, name: str) -> Dataset:
    """A dataset of the publisher's own department, published or not. Raises NotFound for
    another department's as for a missing one."""
    found = (
        Dataset.objects.select_related("organization")
        .filter(name=name, organization_id=publisher.department_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No dataset has this name or id."), field="name")
    return found


def latest(ds: Dataset) -> Release:
    release = ds.releases.order_by("-version").first()
    if release is None:
        raise NotFound(_("No dataset has this name or id."), field="id")
    return release


def releases_of(ds: Dataset) -> list[Release]:
    return list(ds.releases.order_by("-version"))


def release_version(ds: Dataset, version: int | None) -> Release:
    if version is None:
        return latest(ds)
    release = ds.releases.filter(version=version).first()
    if release is None:
        raise NotFound(_("No such version."), field="version")
    return release


def resource_id(release: Release, fmt: str) -> str:
    """CKAN resource ids: the release's id for CSV (the datastore), with a suffix for the
    other downloads of the same table."""
    return str(release.id) if fmt == "CSV" else f"{release.id}-{fmt.lower()}"


def resource(ref: str) -> tuple[Release, str]:
    """The release and format a resource id names. Raises NotFound."""
    base, fmt = ref, "CSV"
    for suffix in ("json", "xlsx"):
        if ref.endswith(f"-{suffix}"):
            base, fmt = ref[: -len(suffix) - 1], suffix.upper()
    if not re.fullmatch(r"[0-9a-fA-F-]{36}", base):
        raise NotFound(_("No resource has this id."), field="resource_id")
    release = Release.objects.select_related("dataset").filter(id=base).first()
    if release is None:
        raise NotFound(_("No resource has this id."), field="resource_id")
    return release, fmt


# ----- package_search ------------------------------------------------------------------------

FQ_TERM = re.compile(r'\s*(?:AND\s+)?\+?([a-z_]+):("([^"]*)"|[^\s"]+)\s*')
SORTS = {
    "name": "name",
    "title": "title_en",
    "title_string": "title_en",
    "metadata_modified": "modified_at",
    "metadata_created": "created_at",
    "score": "name",
}


def parse_fq(fq: str) -> list[tuple[str, str]]:
    terms = []
    position = 0
    while position < len(fq):
        match = FQ_TERM.match(fq, position)
        if not match or match.end() == position:
            raise BadParameter(_("fq: write field:value terms."), field="fq")
        key, value = (
            match.group(1),
            match.group(3) if match.group(3) is not None else match.group(2),
        )
        if key not in (*FACETS, "name"):
            raise BadParameter(_("fq: unknown field %(key)s."), params={"key": key}, field="fq")
        terms.append((key, value))
        position = match.end()
    return terms


def parse_sort(sort: str, allowed: Mapping[str, str], field: str) -> list[tuple[str, bool]]:
    """[(column, descending)] from "a asc, b desc"; BadParameter naming `field` otherwise."""
    order = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        if (
            len(words) > 2
            or words[0] not in allowed
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise BadParameter(
                _("%(field)s: write name asc|desc."), params={"field": field}, field=field
            )
        order.append((allowed[words[0]], len(words) == 2 and words[1].lower() == "desc"))
    return order


@dataclass(frozen=True)
class SearchResult:
    count: int
    datasets: list[Dataset]
    facets: dict[str, dict[str, int]]


def search(
    q: str = "",
    *,
    fq: str = "",
    filters: Sequence[tuple[str, str]] = (),
    sort: str = "",
    start: int = 0,
    rows: int = 10,
    facet_fields: Iterable[str] = (),
) -> SearchResult:
    """Datasets matching every word of `q` (Chinese or English) and every fq term, in a
    stable order (the sort, then the name). Raises BadParameter naming the parameter."""
    if rows < 0 or rows > MAX_ROWS:
        raise BadParameter(
            _("rows: between 0 and %(max)s."), params={"max": MAX_ROWS}, field="rows"
        )
    if start < 0:
        raise BadParameter(_("start: not negative."), field="start")
    wanted = list(facet_fields)
    for name in wanted:
        if name not in FACETS:
            raise BadParameter(
                _("facet.field: unknown field %(key)s."), params={"key": name}, field="facet.field"
            )
    found = published()
    for word in q.lower().split():
        if word in ("*:*", "*"):
            continue
        found = found.filter(search_text__contains=word)
    for key, value in [*parse_fq(fq), *filters]:
        if key == "name":
            found = found.filter(name=value)
        else:
            found = found.filter(facet_text__contains=f"|{key}:{value}|")
    order = parse_sort(sort or "name asc", SORTS, "sort")
    found = found.order_by(
        *[F(column).desc() if descending else F(column).asc() for column, descending in order],
        "name",
    )
    facets: dict[str, dict[str, int]] = {}
    if wanted:
        counters: dict[str, Counter[str]] = {name: Counter() for name in wanted}
        for text in found.values_list("facet_text", flat=True):
            for item in text.strip("|").split("|"):
                key, _sep, value = item.partition(":")
                if key in counters:
                    counters[key][value] += 1
        facets = {name: dict(counter.most_common()) for name, counter in counters.items()}
    return SearchResult(
        count=found.count(), datasets=list(found[start : start + rows]), facets=facets
    )


def organizations() -> list[Department]:
    ids = published().values_list("organization_id", flat=True)
    return list(Department.objects.filter(pk__in=ids).order_by("code"))


def organization(ref: str) -> Department:
    department = Department.objects.filter(
        code=ref, pk__in=published().values("organization_id")
    ).first()
    if department is None:
        raise NotFound(_("No organisation has this name."), field="id")
    return department


def package_counts() -> Counter[str]:
    return Counter(published().values_list("organization__code", flat=True))


def groups() -> Counter[str]:
    counts: Counter[str] = Counter()
    for names in published().values_list("groups", flat=True):
        counts.update(names)
    return counts


def tags() -> Counter[str]:
    counts: Counter[str] = Counter()
    for names in published().values_list("tags", flat=True):
        counts.update(names)
    return counts


# ----- datastore_search ----------------------------------------------------------------------

NUMERIC = {"int", "numeric", "float"}


def _coerce(value: Any, kind: str, field: str) -> Any:
    if kind in NUMERIC:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise BadParameter(
                _("filters: %(field)s takes a number."), params={"field": field}, field="filters"
            ) from None
        return int(number) if kind == "int" and number.is_integer() else number
    if kind == "bool":
        return value in (True, "true", "True", 1, "1")
    if not isinstance(value, (str, int, float)):
        raise BadParameter(
            _("filters: %(field)s takes text."), params={"field": field}, field="filters"
        )
    return str(value)


def _matching(release: Release, name: str, kind: str, values: list[Any]) -> Q:
    """Rows whose field `name` holds one of `values`: through the stored values' index
    (`ReleaseValue`) for numbers and short text, on the row's JSON for the rest."""
    if kind in NUMERIC:
        column = "numeric"
    elif kind != "bool" and all(len(value) <= INDEXED_TEXT for value in values):
        column = "text"
    else:
        options = Q()
        for value in values:
            options |= Q(**{f"data__{name}": value})
        return options
    stored = ReleaseValue.objects.filter(release=release, field=name, **{f"{column}__in": values})
    return Q(number__in=stored.values("number"))


@dataclass(frozen=True)
class Page:
    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    total: int | None
    limit: int
    offset: int


def datastore(
    release: Release,
    *,
    filters: Mapping[str, Any] | None = None,
    q: str = "",
    fields: Sequence[str] | None = None,
    sort: str = "",
    limit: int = 100,
    offset: int = 0,
    include_total: bool = True,
) -> Page:
    """A page of a release's rows: filtered (exact values, a list for any of them), words
    of q, the named fields, sorted then by _id, so pages never overlap. Raises BadParameter
    naming the parameter."""
    kinds = {name: kind for name, kind in release.fields}
    if limit < 0 or limit > MAX_LIMIT:
        raise BadParameter(
            _("limit: between 0 and %(max)s."), params={"max": MAX_LIMIT}, field="limit"
        )
    if offset < 0:
        raise BadParameter(_("offset: not negative."), field="offset")
    wanted = list(fields) if fields else list(kinds)
    for name in wanted:
        if name not in kinds and name != "_id":
            raise BadParameter(
                _("fields: unknown field %(field)s."), params={"field": name}, field="fields"
            )
    rows = ReleaseRow.objects.filter(release=release)
    for name, value in (filters or {}).items():
        if name == "_id":
            values = value if isinstance(value, list) else [value]
            rows = rows.filter(number__in=[int(_coerce(v, "int", name)) for v in values])
            continue
        if name not in kinds:
            raise BadParameter(
                _("filters: unknown field %(field)s."), params={"field": name}, field="filters"
            )
        wanted_values = [
            _coerce(option, kinds[name], name)
            for option in (value if isinstance(value, list) else [value])
        ]
        rows = rows.filter(_matching(release, name, kinds[name], wanted_values))
    for word in q.lower().split():
        rows = rows.filter(text__contains=word)
    allowed = {name: name for name in kinds} | {"_id": "_id"}
    order: list[Any] = []
    for column, descending in parse_sort(sort, allowed, "sort"):
        if column == "_id":
            expression: Any = F("number")
        elif kinds[column] in NUMERIC:
            expression = Cast(KT(f"data__{column}"), FloatField())
        else:
            expression = KT(f"data__{column}")
        order.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)
        )
    rows = rows.order_by(*order, "number")
    page = rows.values_list("number", "data")[offset : offset + limit]
    records = [
        {
            name: number if name == "_id" else data.get(name)
            for name in ["_id", *wanted]
            if name == "_id" or name in wanted
        }
        for number, data in page
    ]
    described = [{"id": "_id", "type": "int"}] + [
        {"id": name, "type": kinds[name]} for name in wanted if name != "_id"
    ]
    return Page(
        fields=described,
        records=records,
        total=_total(release, rows, filters, q) if include_total else None,
        limit=limit,
        offset=offset,
    )


def _total(
    release: Release, rows: QuerySet[ReleaseRow], filters: Mapping[str, Any] | None, q: str
) -> int:
    """The count of matching rows, kept per release and filter for the life of the process:
    a release never changes, so its counts never go stale, and paging a filtered resource
    counts it once instead of once a page."""
    asked = json.dumps(
        [str(release.pk), filters or {}, q.lower().split()], sort_keys=True, default=str
    )
    key = "transparency.total." + hashlib.sha256(asked.encode()).hexdigest()
    total = cache.get(key)
    if total is None:
        total = rows.count()
        cache.set(key, total, None)
    return int(total)


def all_rows(release: Release) -> list[dict[str, Any]]:
    return list(release.rows.order_by("number").values_list("data", flat=True))


def preview(release: Release, count: int = 10) -> list[dict[str, Any]]:
    return list(release.rows.order_by("number").values_list("data", flat=True)[:count])

"""Open data over /api/v1/open-data: anyone reads a dataset's releases (the CKAN Action API
at /api/3/action/ is the standard's door for data users); a publisher of the dataset's
department publishes its next release, refused with the column and the cells when the
desensitisation would single someone out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.core.errors import documented_problems
from onewindow.identity.decorators import verified_officer
from onewindow.identity.models import Role
from onewindow.transparency import selectors, services
from onewindow.transparency.models import Release

router = Router(tags=["open data"])


class OpenDataReleaseOut(Schema):
    version: int
    created_at: datetime
    row_count: int
    k: int
    epsilon: float | None
    suppressed_cells: int
    sha256: str
    ledger_index: int | None


class OpenDatasetOut(Schema):
    name: str
    title_zh: str
    title_en: str
    organization: str
    licence: str
    epsilon_budget: float
    epsilon_spent: float
    releases: list[OpenDataReleaseOut]


def _release(release: Release) -> dict[str, Any]:
    return {
        "version": release.version,
        "created_at": release.created_at,
        "row_count": release.row_count,
        "k": release.k,
        "epsilon": release.epsilon,
        "suppressed_cells": release.suppressed_cells,
        "sha256": release.digest,
        "ledger_index": release.ledger_index,
    }


@router.get(
    "/open-data/datasets/{name}",
    response=OpenDatasetOut,
    summary="A published dataset and its releases",
    auth=None,
)
def dataset(request: HttpRequest, name: str) -> dict[str, Any]:
    found = selectors.dataset(name)
    return {
        "name": found.name,
        "title_zh": found.title_zh,
        "title_en": found.title_en,
        "organization": found.organization.code,
        "licence": found.licence,
        "epsilon_budget": found.epsilon_budget,
        "epsilon_spent": found.epsilon_spent,
        "releases": [_release(release) for release in selectors.releases_of(found)],
    }


@router.post(
    "/open-data/datasets/{name}/releases",
    response={201: OpenDataReleaseOut},
    summary="Publish the dataset's next release",
    auth=django_auth,
    openapi_extra=documented_problems(422),
)
def publish(request: HttpRequest, name: str) -> Status[dict[str, Any]]:
    """Desensitises the dataset's records now and publishes them as the next version.
    A 422 names the offending column (`field`) and the cells below k, or the spent ε."""
    publisher = verified_officer(request, Role.DATA_PUBLISHER)
    release = services.publish_release(publisher, selectors.definition(publisher, name))
    assert release is not None
    return Status(201, _release(release))

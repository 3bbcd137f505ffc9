"""The catalogue editors' API: drafts of a department's items, their review and publication.

Session-authenticated officers with a second factor; an editor or approver sees and acts on
their own department's items only (`catalog.editing`, `selectors.access_draft`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.catalog import editing, selectors
from onewindow.catalog.history import changes_between
from onewindow.catalog.models import ServiceDraft
from onewindow.catalog.services import guide_of
from onewindow.identity.decorators import verified_officer
from onewindow.identity.models import Role

router = Router(tags=["catalog editing"], auth=django_auth)

EDITOR = Role.CATALOGUE_EDITOR
APPROVER = Role.CATALOGUE_APPROVER


class CatalogueDraftIn(Schema):
    code: str
    reason: str
    definition: dict[str, Any]


class CatalogueDraftUpdateIn(Schema):
    reason: str
    definition: dict[str, Any]


class CatalogueNoteIn(Schema):
    note: str


class CatalogueChangeOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class CatalogueDraftOut(Schema):
    id: int
    code: str
    name: str
    department_kind: str
    status: str
    reason: str
    review_note: str
    import_batch: str
    base_version: int | None
    published_version: int | None
    updated_at: datetime
    definition: dict[str, Any]
    changes: list[CatalogueChangeOut]


class CataloguePublishedOut(Schema):
    code: str
    version: int


def draft_out(draft: ServiceDraft) -> dict[str, Any]:
    """A draft as the API shows it, with what it changes from the version it started from."""
    arguments = editing.parse_definition(draft.code, draft.definition)
    before = guide_of(draft.base_version) if draft.base_version else None
    return {
        "id": draft.pk,
        "code": draft.code,
        "name": draft.name,
        "department_kind": draft.department_kind,
        "status": draft.status,
        "reason": draft.reason,
        "review_note": draft.review_note,
        "import_batch": draft.import_batch,
        "base_version": draft.base_version.number if draft.base_version else None,
        "published_version": draft.published_version.number if draft.published_version else None,
        "updated_at": draft.updated_at,
        "definition": draft.definition,
        "changes": [
            {"field": c.field, "label": str(c.label), "before": c.before, "after": c.after}
            for c in changes_between(before, arguments["guide"])
        ],
    }


@router.get("/catalogue/drafts", response=list[CatalogueDraftOut], summary="My department's drafts")
def drafts(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    officer = verified_officer(request, EDITOR, APPROVER)
    queryset = selectors.department_drafts(officer).select_related("base_version")
    if status:
        queryset = queryset.filter(status=status)
    return [draft_out(draft) for draft in queryset[:200]]


@router.get(
    "/catalogue/items/{code}/definition",
    response=dict[str, Any],
    summary="An item's current version as a draft definition, to start editing from",
)
def definition(request: HttpRequest, code: str) -> dict[str, Any]:
    officer = verified_officer(request, EDITOR, APPROVER)
    item = selectors.department_item(officer, code)
    return editing.definition_of(item)


@router.post(
    "/catalogue/drafts", response={201: CatalogueDraftOut}, summary="Draft an item's next version"
)
def create_draft(request: HttpRequest, payload: CatalogueDraftIn) -> Status[dict[str, Any]]:
    officer = verified_officer(request, EDITOR)
    draft = editing.save_draft(
        officer, payload.code, definition=payload.definition, reason=payload.reason
    )
    return Status(201, draft_out(draft))


@router.get(
    "/catalogue/drafts/{pk}", response=CatalogueDraftOut, summary="One of my department's drafts"
)
def draft(request: HttpRequest, pk: int) -> dict[str, Any]:
    officer = verified_officer(request, EDITOR, APPROVER)
    return draft_out(selectors.access_draft(officer, pk))


@router.put("/catalogue/drafts/{pk}", response=CatalogueDraftOut, summary="Change a draft")
def update_draft(request: HttpRequest, pk: int, payload: CatalogueDraftUpdateIn) -> dict[str, Any]:
    officer = verified_officer(request, EDITOR)
    found = selectors.access_draft(officer, pk)
    saved = editing.save_draft(
        officer, found.code, definition=payload.definition, reason=payload.reason, draft=found
    )
    return draft_out(saved)


@router.post(
    "/catalogue/drafts/{pk}/submit", response=CatalogueDraftOut, summary="Send for approval"
)
def submit(request: HttpRequest, pk: int) -> dict[str, Any]:
    officer = verified_officer(request, EDITOR)
    return draft_out(editing.submit_draft(officer, selectors.access_draft(officer, pk)))


@router.post(
    "/catalogue/drafts/{pk}/return", response=CatalogueDraftOut, summary="Return to the editor"
)
def return_to_editor(request: HttpRequest, pk: int, payload: CatalogueNoteIn) -> dict[str, Any]:
    officer = verified_officer(request, APPROVER)
    found = selectors.access_draft(officer, pk)
    return draft_out(editing.return_draft(officer, found, note=payload.note))


@router.post(
    "/catalogue/drafts/{pk}/publish",
    response=CataloguePublishedOut,
    summary="Publish as the next version",
)
def publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    officer = verified_officer(request, APPROVER)
    version = editing.publish_draft(officer, selectors.access_draft(officer, pk))
    return {"code": version.item.code, "version": version.number}

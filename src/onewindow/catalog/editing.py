"""Catalogue editors at work: an editor drafts an item's next version, an approver of the
same department publishes it (through `services.publish_service`, like every version).

Least privilege: an editor drafts and an approver publishes only items whose competent
department is of their own department's kind. A draft is checked in full when it is saved,
so what waits for approval can be published as it stands; publishing refuses a draft that
another version overtook meanwhile. Every change carries its reason, kept on the version.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import DraftStatus, ServiceDraft, ServiceItem, ServiceItemVersion
from onewindow.catalog.services import (
    GUIDE_FIELDS,
    ServiceGuide,
    check_definition,
    guide_of,
    publish_service,
)
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.identity.models import OfficerRole, Role, User

DEFINITION_KEYS = ("department_kind", "level", "life_events", "is_apply_anywhere", "guide")


def department_kind_of(user: User) -> str:
    return user.department.kind if user.department_id and user.department else ""


def department_level_of(user: User) -> int:
    """The level of the user's department (a county bureau: 4); 99 when there is none."""
    department = user.department if user.department_id else None
    return department.division.level if department is not None else 99


def may(user: User, role: str, department_kind: str, level: int | None = None) -> bool:
    """Whether `user` holds `role` for items of `department_kind` (their own department's)
    handled at `level`: at their department's level or below it (a county bureau does not
    edit what the city's bureau handles)."""
    return (
        bool(department_kind)
        and department_kind_of(user) == department_kind
        and (level is None or department_level_of(user) <= level)
        and OfficerRole.objects.filter(user=user, role=role).exists()
    )


def _level_of(definition: dict[str, Any]) -> int | None:
    level = definition.get("level")
    return level if isinstance(level, int) and not isinstance(level, bool) else None


def require(user: User, role: str, department_kind: str, level: int | None = None) -> None:
    if not may(user, role, department_kind, level):
        raise PermissionDenied(
            _("Only a %(role)s of the competent department may do this."),
            params={"role": Role(role).label},
        )


def definition_of(item: ServiceItem) -> dict[str, Any]:
    """The current version of `item` as a draft definition (JSON), to start editing from."""
    version = item.current_version
    assert version is not None
    return {
        "department_kind": item.department_kind,
        "level": item.level,
        "life_events": list(item.life_events),
        "is_apply_anywhere": item.is_apply_anywhere,
        "guide": asdict(guide_of(version)),
    }


def parse_definition(code: str, definition: dict[str, Any]) -> dict[str, Any]:
    """`publish_service`'s keyword arguments from a draft definition, checked in full.
    Raises DomainError naming the field."""
    guide_data = definition.get("guide")
    if not isinstance(guide_data, dict):
        raise DomainError(_("The draft has no guide."), field="guide")
    unknown = set(guide_data) - set(GUIDE_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown fields: %(fields)s."),
            field="guide",
            params={"fields": ", ".join(sorted(unknown))},
        )
    try:
        guide = ServiceGuide(**guide_data)
    except TypeError:
        raise DomainError(_("The guide misses required fields."), field="guide") from None
    arguments: dict[str, Any] = {
        "department_kind": str(definition.get("department_kind", "")),
        "level": definition.get("level"),
        "life_events": list(definition.get("life_events") or []),
        "is_apply_anywhere": bool(definition.get("is_apply_anywhere", False)),
        "guide": guide,
    }
    check_definition(code, **arguments)
    return arguments


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the item changes."), field="reason")
    return reason


def save_draft(
    editor: User,
    code: str,
    *,
    definition: dict[str, Any],
    reason: str,
    draft: ServiceDraft | None = None,
    import_batch: str = "",
) -> ServiceDraft:
    """Save an editor's proposed version of item `code` (a new item when none has the code):
    a new draft, or `draft` updated while it is still the editor's to change. Checks the whole
    definition first (DomainError naming the field); PermissionDenied outside the editor's
    department."""
    reason = _clean_reason(reason)
    item = ServiceItem.objects.filter(code=code).select_related("current_version").first()
    department_kind = str(definition.get("department_kind", ""))
    require(editor, Role.CATALOGUE_EDITOR, department_kind, _level_of(definition))
    if item is not None:
        # Moving an item to another department is that department's and this one's decision.
        require(editor, Role.CATALOGUE_EDITOR, item.department_kind, item.level)
    arguments = parse_definition(code, definition)
    stored = {**{key: arguments[key] for key in DEFINITION_KEYS if key != "guide"}}
    stored["guide"] = asdict(arguments["guide"])
    with transaction.atomic():
        if draft is None:
            draft = ServiceDraft(code=code, author=editor, import_batch=import_batch)
            draft.base_version = item.current_version if item is not None else None
        else:
            draft = ServiceDraft.objects.select_for_update().get(pk=draft.pk)
            if draft.status not in (DraftStatus.DRAFT, DraftStatus.RETURNED):
                raise Conflict(_("This draft is waiting for approval or published already."))
            if draft.code != code:
                raise DomainError(_("A draft keeps its item code."), field="code")
        draft.department_kind = department_kind
        draft.definition = stored
        draft.reason = reason
        draft.status = DraftStatus.DRAFT
        draft.updated_at = timezone.now()
        draft.save()
    return draft


def submit_draft(editor: User, draft: ServiceDraft) -> ServiceDraft:
    """Send a draft to the department's approvers. Conflict unless it is being drafted."""
    require(editor, Role.CATALOGUE_EDITOR, draft.department_kind, _level_of(draft.definition))
    with transaction.atomic():
        locked = ServiceDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.status not in (DraftStatus.DRAFT, DraftStatus.RETURNED):
            raise Conflict(_("This draft is waiting for approval or published already."))
        locked.status = DraftStatus.IN_REVIEW
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "updated_at"])
    return locked


def return_draft(approver: User, draft: ServiceDraft, *, note: str) -> ServiceDraft:
    """Send a draft back to its editor with the approver's note (required)."""
    require(approver, Role.CATALOGUE_APPROVER, draft.department_kind, _level_of(draft.definition))
    if not note.strip():
        raise DomainError(_("Tell the editor what to change."), field="note")
    with transaction.atomic():
        locked = ServiceDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.status != DraftStatus.IN_REVIEW:
            raise Conflict(_("Only a draft waiting for approval can be returned."))
        locked.status = DraftStatus.RETURNED
        locked.reviewer = approver
        locked.review_note = note.strip()
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "reviewer", "review_note", "updated_at"])
    return locked


def publish_draft(approver: User, draft: ServiceDraft) -> ServiceItemVersion:
    """Publish a draft waiting for approval as the item's next version. Conflict when it is
    not waiting, or when another version was published since the editor started from it."""
    require(approver, Role.CATALOGUE_APPROVER, draft.department_kind, _level_of(draft.definition))
    with transaction.atomic():
        locked = ServiceDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.status != DraftStatus.IN_REVIEW:
            raise Conflict(_("Only a draft waiting for approval can be published."))
        item = ServiceItem.objects.select_for_update().filter(code=locked.code).first()
        current_id = item.current_version_id if item is not None else None
        if current_id != locked.base_version_id:
            raise Conflict(
                _("Another version was published after this draft was started: edit again.")
            )
        arguments = parse_definition(locked.code, locked.definition)
        version = publish_service(
            locked.code,
            reason=locked.reason,
            drafted_by=locked.author,
            published_by=approver,
            **arguments,
        )
        locked.status = DraftStatus.PUBLISHED
        locked.reviewer = approver
        locked.published_version = version
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "reviewer", "published_version", "updated_at"])
    return version


def publish_batch(approver: User, import_batch: str) -> list[ServiceItemVersion]:
    """Publish every draft of an import batch waiting for approval, all or none."""
    with transaction.atomic():
        drafts = list(
            ServiceDraft.objects.filter(
                import_batch=import_batch, status=DraftStatus.IN_REVIEW
            ).order_by("pk")
        )
        if not drafts:
            raise DomainError(_("Nothing in this batch is waiting for approval."))
        return [publish_draft(approver, draft) for draft in drafts]

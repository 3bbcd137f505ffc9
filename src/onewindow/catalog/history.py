"""What changed between two versions of an item, and whether it matters to applicants.

The version history page and the API show these changes; `matters` decides whether people
with drafts or open applications are told (new materials, higher fees).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.services import GUIDE_FIELDS, ServiceGuide, guide_of

# Fields compared one by one, with their labels; materials are compared per material key.
FIELD_LABELS: dict[str, str | Promise] = {
    "name_zh": _("name (Chinese)"),
    "name_en": _("name (English)"),
    "basic_code": _("basic code"),
    "service_type": _("type"),
    "audience": _("audience"),
    "guide_zh": _("guide (Chinese)"),
    "guide_en": _("guide (English)"),
    "conditions_zh": _("conditions (Chinese)"),
    "conditions_en": _("conditions (English)"),
    "keywords_zh": _("keywords (Chinese)"),
    "keywords_en": _("keywords (English)"),
    "legal_basis_zh": _("legal basis (Chinese)"),
    "legal_basis_en": _("legal basis (English)"),
    "fee_fen": _("fee in fen"),
    "fee_basis_zh": _("basis of the fee (Chinese)"),
    "fee_basis_en": _("basis of the fee (English)"),
    "statutory_days": _("statutory time limit, working days"),
    "promised_days": _("promised time limit, working days"),
    "visits": _("in-person visits needed"),
    "online_depth": _("online depth"),
    "hall_zh": _("where to go (Chinese)"),
    "hall_en": _("where to go (English)"),
    "hours_zh": _("opening hours (Chinese)"),
    "hours_en": _("opening hours (English)"),
    "delivery_options": _("delivery options"),
    "result_type": _("result"),
    "result_name_zh": _("result name (Chinese)"),
    "result_name_en": _("result name (English)"),
    "credential_kind": _("electronic licence issued"),
    "anywhere_scope": _("apply-anywhere scope"),
    "contact_phone": _("phone for questions"),
    "form_schema": _("application form (JSON Schema)"),
    "workflow": _("workflow definition"),
}
assert set(FIELD_LABELS) | {"materials"} == set(GUIDE_FIELDS), "every guide field has a label"


@dataclass(frozen=True)
class Change:
    field: str
    label: str | Promise
    before: Any
    after: Any

    @property
    def before_text(self) -> str | None:
        return _as_text(self.before)

    @property
    def after_text(self) -> str | None:
        return _as_text(self.after)


def _as_text(value: Any) -> str | None:
    """A value as a person reads it on the history page (a material on one line)."""
    if value is None:
        return None
    if isinstance(value, dict) and "key" in value:
        required = _("required") if value.get("is_required") else _("optional")
        return (
            f"{value.get('name_zh')} / {value.get('name_en')} · {value.get('source')} · "
            f"{value.get('form')} × {value.get('copies')} · {required}"
        )
    if isinstance(value, list):
        return " ".join(str(part) for part in value)
    return str(value)


def _material_label(key: str, material: dict[str, Any]) -> str:
    return f"{material.get('name_zh', key)} / {material.get('name_en', key)}"


def changes_between(before: ServiceGuide | None, after: ServiceGuide) -> list[Change]:
    """Every field that differs, in guide order; materials one change per added, removed or
    altered material (field "materials.<key>", before or after None when added or removed)."""
    changes: list[Change] = []
    for name, label in FIELD_LABELS.items():
        old = getattr(before, name) if before is not None else None
        new = getattr(after, name)
        if old != new:
            changes.append(Change(name, label, old, new))
    old_materials = {m["key"]: m for m in (before.materials if before else [])}
    new_materials = {m["key"]: m for m in after.materials}
    for key in [*old_materials, *(k for k in new_materials if k not in old_materials)]:
        old_material, new_material = old_materials.get(key), new_materials.get(key)
        if old_material != new_material:
            label = _material_label(key, new_material or old_material or {})
            changes.append(Change(f"materials.{key}", label, old_material, new_material))
    return changes


def version_changes(version: ServiceItemVersion) -> list[Change]:
    """What `version` changed from the one before it (everything, for the first)."""
    previous = (
        ServiceItemVersion.objects.filter(item_id=version.item_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    return changes_between(guide_of(previous) if previous else None, guide_of(version))


def matters(changes: list[Change]) -> bool:
    """Whether people with drafts or open applications should be told: a required material
    added (or made required), or the fee raised."""
    for change in changes:
        if change.field == "fee_fen" and (change.after or 0) > (change.before or 0):
            return True
        if change.field.startswith("materials.") and change.after is not None:
            was_required = bool(change.before and change.before.get("is_required"))
            if change.after.get("is_required") and not was_required:
                return True
    return False

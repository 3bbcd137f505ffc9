"""The implementation list (实施清单) as rows of text: one row per item, one column per field.

The one codec between a service item's definition and flat text, used by the spreadsheet
import and export (`importing.py`) and the editors' form (the materials column). Columns are
documented in docs/catalogue-template.md. A blank `workflow` stands for the standard
two-step workflow of the item's department and level (`standard_workflow`), a blank
`form_schema` for a form with no fields; the export writes them blank again, so a list
exported and imported back is unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import MaterialSource
from onewindow.core.divisions import Level

COLUMNS = (
    "code",
    "basic_code",
    "department_kind",
    "level",
    "service_type",
    "audience",
    "name_zh",
    "name_en",
    "life_events",
    "anywhere_scope",
    "guide_zh",
    "guide_en",
    "conditions_zh",
    "conditions_en",
    "keywords_zh",
    "keywords_en",
    "legal_basis_zh",
    "legal_basis_en",
    "fee_fen",
    "fee_basis_zh",
    "fee_basis_en",
    "statutory_days",
    "promised_days",
    "visits",
    "online_depth",
    "hall_zh",
    "hall_en",
    "hours_zh",
    "hours_en",
    "delivery_options",
    "result_type",
    "result_name_zh",
    "result_name_en",
    "credential_kind",
    "contact_phone",
    "materials",
    "workflow",
    "form_schema",
)
REQUIRED_COLUMNS = frozenset(COLUMNS) - {"workflow", "form_schema"}
INTEGER_COLUMNS = ("level", "fee_fen", "statutory_days", "promised_days", "visits")
LIST_COLUMNS = ("life_events", "delivery_options")
TEXT_GUIDE_COLUMNS = tuple(
    column
    for column in COLUMNS
    if column
    not in {
        "code",
        "department_kind",
        "level",
        "life_events",
        "materials",
        "workflow",
        "form_schema",
        *INTEGER_COLUMNS,
        *LIST_COLUMNS,
    }
)
# Where an error of `publish_service` (its `field`) shows in the list.
FIELD_COLUMNS = {
    "fee_basis": "fee_basis_zh",
    "hall": "hall_zh",
    "guide": "name_zh",
    "is_apply_anywhere": "anywhere_scope",
}
MATERIAL_PARTS = ("key", "name_zh", "name_en", "source", "form", "copies", "required")
EMPTY_FORM: dict[str, Any] = {"type": "object", "properties": {}}


class RowError(Exception):
    """Errors of one row, by column."""

    def __init__(self, errors: dict[str, str | Promise]) -> None:
        super().__init__(errors)
        self.errors = errors


def standard_workflow(department_kind: str, level: int, promised_days: int) -> str:
    """Acceptance, then the decision, both at the item's department and level, within the
    promised time (a one-step decision when the promise is a single day)."""
    level_name = Level(level).name.lower()
    where = f"department={department_kind} level={level_name}"
    if promised_days <= 1:
        return (
            "workflow\n"
            f'step decide name_zh="审核决定" name_en="Review and decision" role=approver {where} '
            "sla=1\n"
        )
    return (
        "workflow\n"
        f'step accept name_zh="受理审查" name_en="Acceptance" role=reviewer {where} sla=1\n'
        f'step decide name_zh="审批决定" name_en="Decision" role=approver {where} '
        f"sla={promised_days - 1} after=accept\n"
    )


def materials_to_text(materials: list[dict[str, Any]]) -> str:
    """One material a line: key|name_zh|name_en|source|form|copies|required|data service."""
    lines = []
    for material in materials:
        parts = [
            str(material["key"]),
            str(material["name_zh"]),
            str(material["name_en"]),
            str(material["source"]),
            str(material.get("form", "")),
            str(material.get("copies", 1)),
            "required" if material.get("is_required") else "optional",
        ]
        if material.get("exchange_service"):
            parts.append(str(material["exchange_service"]))
        lines.append("|".join(parts))
    return "\n".join(lines)


def materials_from_text(text: str) -> list[dict[str, Any]]:
    """The materials of `materials_to_text`; ValueError naming the line that is wrong."""
    materials = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (7, 8):
            raise ValueError(
                _("material line %(line)s: 7 or 8 parts separated by |") % {"line": number}
            )
        key, name_zh, name_en, source, form, copies, required = parts[:7]
        if source not in MaterialSource.values:
            raise ValueError(
                _("material line %(line)s: the source is one of %(sources)s")
                % {"line": number, "sources": ", ".join(MaterialSource.values)}
            )
        if not copies.isascii() or not copies.isdigit():
            raise ValueError(_("material line %(line)s: copies is a number") % {"line": number})
        if required not in ("required", "optional"):
            raise ValueError(
                _("material line %(line)s: say required or optional") % {"line": number}
            )
        material: dict[str, Any] = {
            "key": key,
            "name_zh": name_zh,
            "name_en": name_en,
            "source": source,
            "is_required": required == "required",
            "form": form,
            "copies": int(copies),
        }
        if len(parts) == 8 and parts[7]:
            material["exchange_service"] = parts[7]
        materials.append(material)
    return materials


def row_to_definition(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(code, draft definition) of a row of text; RowError naming every column that does not
    parse. What the values mean is checked afterwards, by `editing.parse_definition`."""
    errors: dict[str, str | Promise] = {}
    missing = [column for column in REQUIRED_COLUMNS if column not in row]
    if missing:
        raise RowError({column: _("This column is missing.") for column in sorted(missing)})
    values: dict[str, Any] = {}
    for column in INTEGER_COLUMNS:
        text = (row.get(column) or "").strip()
        if not (text.isascii() and text.isdigit()):
            errors[column] = _("A whole number is needed here.")
        else:
            values[column] = int(text)
    for column in LIST_COLUMNS:
        values[column] = (row.get(column) or "").split()
    try:
        materials = materials_from_text(row.get("materials") or "")
    except ValueError as error:
        errors["materials"] = str(error)
        materials = []
    form_text = (row.get("form_schema") or "").strip()
    form_schema: Any = EMPTY_FORM
    if form_text:
        try:
            form_schema = json.loads(form_text)
        except json.JSONDecodeError:
            errors["form_schema"] = _("The form is not valid JSON.")
        else:
            if not isinstance(form_schema, dict):
                errors["form_schema"] = _("The form is a JSON object.")
    if errors:
        raise RowError(errors)
    department_kind = (row.get("department_kind") or "").strip()
    workflow = (row.get("workflow") or "").strip()
    if not workflow and values["level"] in Level.values:
        workflow = standard_workflow(department_kind, values["level"], values["promised_days"])
    guide: dict[str, Any] = {
        column: (row.get(column) or "").strip() for column in TEXT_GUIDE_COLUMNS
    }
    # Long texts keep their own line breaks; only the ends are trimmed.
    guide.update(
        fee_fen=values["fee_fen"],
        statutory_days=values["statutory_days"],
        promised_days=values["promised_days"],
        visits=values["visits"],
        delivery_options=values["delivery_options"],
        materials=materials,
        workflow=workflow,
        form_schema=form_schema,
    )
    scope = guide["anywhere_scope"] or "none"
    guide["anywhere_scope"] = scope
    definition = {
        "department_kind": department_kind,
        "level": values["level"],
        "life_events": values["life_events"],
        "is_apply_anywhere": scope != "none",
        "guide": guide,
    }
    return (row.get("code") or "").strip(), definition


def definition_to_row(code: str, definition: dict[str, Any]) -> dict[str, str]:
    """The row of text of a definition (the inverse of `row_to_definition`)."""
    guide = definition["guide"]
    level = int(definition["level"])
    row = {column: str(guide.get(column, "")) for column in TEXT_GUIDE_COLUMNS}
    row.update(
        code=code,
        department_kind=definition["department_kind"],
        level=str(level),
        life_events=" ".join(definition["life_events"]),
        fee_fen=str(guide["fee_fen"]),
        statutory_days=str(guide["statutory_days"]),
        promised_days=str(guide["promised_days"]),
        visits=str(guide["visits"]),
        delivery_options=" ".join(guide["delivery_options"]),
        materials=materials_to_text(guide["materials"]),
    )
    standard = standard_workflow(definition["department_kind"], level, guide["promised_days"])
    row["workflow"] = "" if guide["workflow"].strip() == standard.strip() else guide["workflow"]
    schema = guide["form_schema"]
    row["form_schema"] = (
        "" if schema == EMPTY_FORM else json.dumps(schema, ensure_ascii=False, sort_keys=True)
    )
    return {column: row[column] for column in COLUMNS}

"""Writes to the catalogue: publishing a service item's new version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.form_schema import FormSchemaError, check_form_schema
from onewindow.catalog.life_events import LIFE_EVENTS_BY_SLUG
from onewindow.catalog.models import (
    Audience,
    Delivery,
    MaterialSource,
    SearchTerm,
    ServiceItem,
    ServiceItemVersion,
    ServiceType,
)
from onewindow.catalog.search import weighted_terms
from onewindow.catalog.workflow_definition import WorkflowDefinitionError, parse_workflow
from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.identity.models import DepartmentKind
from onewindow.ledger import services as ledger


@dataclass
class ServiceGuide:
    """Everything a version says; what `publish_service` checks before it stores anything."""

    name_zh: str
    name_en: str
    service_type: str
    audience: str
    statutory_days: int
    promised_days: int
    workflow: str
    guide_zh: str = ""
    guide_en: str = ""
    keywords_zh: str = ""
    keywords_en: str = ""
    legal_basis_zh: str = ""
    legal_basis_en: str = ""
    materials: list[dict[str, Any]] = field(default_factory=list)
    fee_fen: int = 0
    visits: int = 0
    delivery_options: list[str] = field(default_factory=lambda: [Delivery.ELECTRONIC.value])
    # The electronic licence or certificate the service results in (a credentials kind), if any.
    credential_kind: str = ""
    form_schema: dict[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


def _check_materials(materials: list[dict[str, Any]]) -> None:
    keys: set[str] = set()
    for material in materials:
        key = material.get("key", "")
        if not str(key).isidentifier() or key in keys:
            raise DomainError(
                _("Each material needs its own key: %(key)r."),
                field="materials",
                params={"key": key},
            )
        keys.add(key)
        if material.get("source") not in MaterialSource.values:
            raise DomainError(
                _("Material %(key)s has no valid source."), field="materials", params={"key": key}
            )
        if material["source"] == MaterialSource.EXCHANGE and not material.get("exchange_service"):
            raise DomainError(
                _("Material %(key)s is fetched from another department: name the data service."),
                field="materials",
                params={"key": key},
            )
        if not material.get("name_zh") or not material.get("name_en"):
            raise DomainError(
                _("Material %(key)s needs a name in both languages."),
                field="materials",
                params={"key": key},
            )


def _check_guide(guide: ServiceGuide) -> None:
    if guide.service_type not in ServiceType.values:
        raise DomainError(_("Unknown service type."), field="service_type")
    if guide.audience not in Audience.values:
        raise DomainError(_("Unknown audience."), field="audience")
    if not 1 <= guide.promised_days <= guide.statutory_days:
        raise DomainError(
            _("The promised time limit must be at least 1 and within the statutory limit."),
            field="promised_days",
        )
    if guide.visits < 0 or guide.fee_fen < 0:
        raise DomainError(_("Visits and fees cannot be negative."), field="visits")
    if not guide.delivery_options or set(guide.delivery_options) - set(Delivery.values):
        raise DomainError(_("Choose at least one known delivery option."), field="delivery_options")
    _check_materials(guide.materials)
    try:
        check_form_schema(guide.form_schema)
    except FormSchemaError as error:
        raise DomainError(
            _("The application form is not usable: %(reason)s"),
            field="form_schema",
            params={"reason": str(error)},
        ) from None
    try:
        workflow = parse_workflow(guide.workflow)
    except WorkflowDefinitionError as error:
        raise DomainError(
            _("The workflow definition is wrong at %(reason)s"),
            code="workflow_definition",
            field="workflow",
            params={"reason": str(error)},
        ) from None
    if workflow.total_sla_days > guide.statutory_days:
        raise DomainError(
            _("The workflow's steps take %(days)s working days, beyond the statutory limit."),
            field="workflow",
            params={"days": workflow.total_sla_days},
        )


def _index(item: ServiceItem, version: ServiceItemVersion) -> None:
    events_zh, events_en = [], []
    for slug in item.life_events:
        event = LIFE_EVENTS_BY_SLUG[slug]
        with translation.override("zh-hans"):
            events_zh.append(f"{event.title} {event.summary}")
        with translation.override("en"):
            events_en.append(f"{event.title} {event.summary}")
    weights = weighted_terms(
        [
            (version.name_zh, 10),
            (version.name_en, 10),
            (version.keywords_zh, 6),
            (version.keywords_en, 6),
            (" ".join(events_zh), 3),
            (" ".join(events_en), 3),
            (version.guide_zh, 1),
            (version.guide_en, 1),
        ]
    )
    SearchTerm.objects.filter(item=item).delete()
    SearchTerm.objects.bulk_create(
        SearchTerm(item=item, term=term, weight=weight) for term, weight in weights.items()
    )


def publish_service(
    code: str,
    *,
    department_kind: str,
    level: int,
    guide: ServiceGuide,
    life_events: list[str] | None = None,
    is_apply_anywhere: bool = False,
) -> ServiceItemVersion:
    """Publish a new version of service `code` (creating the item on first publication).

    Applications already filed keep their version. Checks the guide, the form schema and the
    workflow definition first and stores nothing when any is wrong (DomainError naming the
    field; a workflow error names the line).
    """
    if department_kind not in DepartmentKind.values:
        raise DomainError(_("Unknown department kind."), field="department_kind")
    if level not in Level.values:
        raise DomainError(_("Unknown level."), field="level")
    unknown_events = set(life_events or []) - LIFE_EVENTS_BY_SLUG.keys()
    if unknown_events:
        raise DomainError(_("Unknown life event."), field="life_events")
    _check_guide(guide)
    with transaction.atomic():
        item, _created = ServiceItem.objects.select_for_update().get_or_create(
            code=code,
            defaults={"department_kind": department_kind, "level": level},
        )
        item.department_kind = department_kind
        item.level = level
        item.life_events = list(life_events or [])
        item.is_apply_anywhere = is_apply_anywhere
        number = (item.current_version.number + 1) if item.current_version else 1
        version = ServiceItemVersion.objects.create(item=item, number=number, **vars(guide))
        item.current_version = version
        item.save()
        _index(item, version)
        ledger.record(
            "catalog.published",
            subject_ref=f"{code}@{number}",
            actor_role="platform_admin",
            department=department_kind,
            payload={"code": code, "version": number, "workflow": guide.workflow},
        )
    return version

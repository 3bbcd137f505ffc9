"""Writes to the catalogue: publishing a service item's new version."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from onewindow.catalog import selectors
from onewindow.catalog.form_schema import FormSchemaError, check_form_schema
from onewindow.catalog.life_events import LIFE_EVENTS_BY_SLUG
from onewindow.catalog.models import (
    AnywhereScope,
    Audience,
    Delivery,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ResultType,
    SearchTerm,
    ServiceItem,
    ServiceItemVersion,
    ServiceType,
)
from onewindow.catalog.search import weighted_terms
from onewindow.catalog.signals import service_published
from onewindow.catalog.workflow_definition import WorkflowDefinitionError, parse_workflow
from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.identity.models import DepartmentKind, User
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
    # The rest of the implementation list (实施清单).
    basic_code: str = ""
    fee_basis_zh: str = ""
    fee_basis_en: str = ""
    conditions_zh: str = ""
    conditions_en: str = ""
    online_depth: str = OnlineDepth.FULLY_ONLINE.value
    hall_zh: str = ""
    hall_en: str = ""
    hours_zh: str = ""
    hours_en: str = ""
    result_type: str = ResultType.DOCUMENT.value
    result_name_zh: str = ""
    result_name_en: str = ""
    anywhere_scope: str = AnywhereScope.NONE.value
    contact_phone: str = ""

    def __post_init__(self) -> None:
        self.materials = [normalised_material(material) for material in self.materials]


GUIDE_FIELDS = tuple(f.name for f in fields(ServiceGuide))


def normalised_material(material: dict[str, Any]) -> dict[str, Any]:
    """A material with its form and number of copies spelled out (defaults: what the source
    implies, one copy), so that stored versions all say the same things."""
    is_paper = material.get("source") == MaterialSource.UPLOAD
    default_form = MaterialForm.ORIGINAL if is_paper else MaterialForm.ELECTRONIC
    return {
        **material,
        "form": str(material.get("form") or default_form),
        "copies": material.get("copies", 1),
    }


def guide_of(version: ServiceItemVersion) -> ServiceGuide:
    """What a stored version says, as the `ServiceGuide` that would publish it again."""
    return ServiceGuide(**{name: getattr(version, name) for name in GUIDE_FIELDS})


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
        if material.get("form") not in MaterialForm.values:
            raise DomainError(
                _("Material %(key)s: say whether it is an original, a copy or electronic."),
                field="materials",
                params={"key": key},
            )
        copies = material.get("copies")
        if isinstance(copies, bool) or not isinstance(copies, int) or not 0 <= copies <= 20:
            raise DomainError(
                _("Material %(key)s: the number of copies must be between 0 and 20."),
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
    _check_implementation_list(guide)
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


def _check_implementation_list(guide: ServiceGuide) -> None:
    if guide.fee_fen and not (guide.fee_basis_zh.strip() and guide.fee_basis_en.strip()):
        raise DomainError(
            _("A fee needs its basis (the rule that sets it) in both languages."),
            field="fee_basis",
        )
    if guide.online_depth not in OnlineDepth.values:
        raise DomainError(_("Unknown online depth."), field="online_depth")
    needs_hall = guide.visits > 0 or guide.online_depth not in (
        OnlineDepth.ONLINE_FILING,
        OnlineDepth.FULLY_ONLINE,
    )
    if needs_hall and not (guide.hall_zh.strip() and guide.hall_en.strip()):
        raise DomainError(
            _("A service that needs a visit must say where to go, in both languages."),
            field="hall",
        )
    if guide.result_type not in ResultType.values:
        raise DomainError(_("Unknown kind of result."), field="result_type")
    # A licence, or a written decision issued as a signed document (a project approval).
    if guide.credential_kind and guide.result_type == ResultType.NONE:
        raise DomainError(
            _("A service that issues an electronic licence has a licence as its result."),
            field="result_type",
        )
    if guide.anywhere_scope not in AnywhereScope.values:
        raise DomainError(_("Unknown apply-anywhere scope."), field="anywhere_scope")
    phone = guide.contact_phone
    if phone and not all(ch.isascii() and (ch.isdigit() or ch in "-+ ()") for ch in phone):
        raise DomainError(
            _("The phone for questions may hold digits, spaces, +, - and brackets only."),
            field="contact_phone",
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
    # A hundred-odd rows an item: one executemany, without a model instance per row (the
    # demo city's list of 180 items published in a fraction of the time bulk_create takes).
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO catalog_searchterm (item_id, term, weight) VALUES (%s, %s, %s)",
            [(item.pk, term, weight) for term, weight in weights.items()],
        )


def check_definition(
    code: str,
    *,
    department_kind: str,
    level: int,
    guide: ServiceGuide,
    life_events: list[str] | None = None,
    is_apply_anywhere: bool = False,
) -> None:
    """Everything `publish_service` checks before it writes: DomainError naming the field."""
    if (
        not code
        or len(code) > 32
        or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code)
    ):
        raise DomainError(
            _("The implementation code is 1 to 32 letters, digits and hyphens."), field="code"
        )
    if department_kind not in DepartmentKind.values:
        raise DomainError(_("Unknown department kind."), field="department_kind")
    if level not in Level.values:
        raise DomainError(_("Unknown level."), field="level")
    unknown_events = set(life_events or []) - LIFE_EVENTS_BY_SLUG.keys()
    if unknown_events:
        raise DomainError(_("Unknown life event."), field="life_events")
    _check_guide(guide)
    if is_apply_anywhere != (guide.anywhere_scope != AnywhereScope.NONE):
        raise DomainError(
            _("An apply-anywhere service names its scope, and only such a service does."),
            field="anywhere_scope",
        )


def publish_service(
    code: str,
    *,
    department_kind: str,
    level: int,
    guide: ServiceGuide,
    life_events: list[str] | None = None,
    is_apply_anywhere: bool = False,
    reason: str = "",
    drafted_by: User | None = None,
    published_by: User | None = None,
) -> ServiceItemVersion:
    """Publish a new version of service `code` (creating the item on first publication).

    The one way a version comes to be: seeding, an approver publishing an editor's draft and
    an import all end here. Applications already filed keep their version. Checks the guide,
    the form schema and the workflow definition first and stores nothing when any is wrong
    (DomainError naming the field; a workflow error names the line). On commit,
    `signals.service_published` tells higher apps (drafts move to the new version).
    """
    check_definition(
        code,
        department_kind=department_kind,
        level=level,
        guide=guide,
        life_events=life_events,
        is_apply_anywhere=is_apply_anywhere,
    )
    with transaction.atomic():
        item, _created = ServiceItem.objects.select_for_update().get_or_create(
            code=code,
            defaults={"department_kind": department_kind, "level": level},
        )
        previous = item.current_version
        item.department_kind = department_kind
        item.level = level
        item.life_events = list(life_events or [])
        item.is_apply_anywhere = is_apply_anywhere
        number = (previous.number + 1) if previous else 1
        version = ServiceItemVersion.objects.create(
            item=item,
            number=number,
            change_reason=reason,
            drafted_by=drafted_by,
            published_by=published_by,
            **vars(guide),
        )
        item.current_version = version
        item.save()
        _index(item, version)
        ledger.record(
            "catalog.published",
            subject_ref=f"{code}@{number}",
            actor_role="catalogue_approver" if published_by else "platform_admin",
            department=department_kind,
            payload={"code": code, "version": number, "workflow": guide.workflow},
        )
        # Submissions name the service by code: none may be filed under the old version now.
        selectors.published_versions.forget()
        if previous is not None:
            # On commit: receivers write to other apps, which must not see a version that
            # a rollback would take back.
            transaction.on_commit(
                lambda: service_published.send(
                    sender=ServiceItem, item=item, previous=previous, version=version
                )
            )
    return version

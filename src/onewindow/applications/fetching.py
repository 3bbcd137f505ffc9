"""Once-only: materials the catalogue declares as fetched come from the department that holds
them, not from the applicant.

On the form the applicant sees which data will be fetched, from which department and for
which handling department, and confirms it. The fetch rows are written with the application
(so nothing is lost if a provider is down); the calls go out right after the application is
committed, each through the signed exchange, which logs the access for "who read my data".
A provider that refuses, has no record, or cannot be reached leaves the material for the
applicant to upload, and an unreachable one is tried again by the worker's tick.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from onewindow.applications.competence import competent_department
from onewindow.applications.models import (
    FETCHED_CONTEXT,
    Application,
    FetchedMaterial,
    FetchStatus,
)
from onewindow.applications.workflow.status import fetched_rows, moving, touched
from onewindow.catalog.models import MaterialSource, ServiceItemVersion
from onewindow.core import personal_data
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.exchange import selectors as exchange_selectors
from onewindow.exchange import services as exchange
from onewindow.exchange.models import DataService, ExchangeMessage
from onewindow.identity.models import Department

logger = logging.getLogger(__name__)

ACTOR = "system:once-only"
# After a failed attempt, wait this long before the next; then the applicant uploads instead.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


def _is_zh() -> bool:
    return (get_language() or "").startswith("zh")


@dataclass(frozen=True)
class PlannedFetch:
    """What the applicant is asked to confirm: this material, from this department's data
    service, these fields, for this handling department."""

    material: dict[str, Any]
    service: DataService | None
    consumer: Department | None
    field_names: tuple[str, ...]

    @property
    def key(self) -> str:
        return str(self.material["key"])

    @property
    def name(self) -> str:
        return str(self.material["name_zh"] if _is_zh() else self.material["name_en"])

    @property
    def is_possible(self) -> bool:
        """False when no data service or no usable grant exists: the applicant uploads."""
        return self.service is not None and self.consumer is not None and bool(self.field_names)

    @property
    def field_labels(self) -> list[str]:
        if self.service is None:
            return []
        label = "label_zh" if _is_zh() else "label_en"
        return [
            field[label]
            for field in self.service.response_fields
            if field["name"] in self.field_names
        ]


def plan(
    version: ServiceItemVersion, home: Division | None, *, has_business: bool
) -> list[PlannedFetch]:
    """The fetches an application of `version` filed for `home` would make."""
    materials = [m for m in version.materials if m["source"] == MaterialSource.EXCHANGE]
    if not materials:
        return []
    by_code = exchange_selectors.data_services_by_code(m["exchange_service"] for m in materials)
    consumer: Department | None = None
    if home is not None:
        try:
            consumer = competent_department(
                home, kind=version.item.department_kind, level=version.item.level
            )
        except DomainError:
            consumer = None
    planned = []
    for material in materials:
        service = by_code.get(material["exchange_service"])
        if service is not None and service.subject_kind == "business" and not has_business:
            continue  # a business record is fetched only when applying for a business
        grant = (
            exchange_selectors.usable_grant(service, consumer, version.item.code)
            if service is not None and consumer is not None
            else None
        )
        planned.append(
            PlannedFetch(
                material=material,
                service=service,
                consumer=consumer,
                field_names=tuple(grant.fields) if grant is not None else (),
            )
        )
    return planned


def open_fetches(application: Application, planned: list[PlannedFetch]) -> list[FetchedMaterial]:
    """Inside the submission's transaction: one row per material to fetch, due now. A
    material no grant covers is recorded as refused, for the applicant to upload."""
    touched(application)
    now = timezone.now()
    rows = [
        FetchedMaterial(
            application=application,
            material_key=fetch.key,
            service=fetch.service,
            consumer=fetch.consumer,
            status=FetchStatus.PENDING if fetch.is_possible else FetchStatus.REFUSED,
            last_error="" if fetch.is_possible else "no usable grant for this purpose",
            next_attempt_at=now if fetch.is_possible else None,
            updated_at=now,
        )
        for fetch in planned
        if fetch.service is not None and fetch.consumer is not None
    ]
    return FetchedMaterial.objects.bulk_create(rows)


def _subject(fetched: FetchedMaterial) -> str:
    application = fetched.application
    if fetched.service.subject_kind == "business":
        return application.business.credit_code if application.business is not None else ""
    return application.applicant.plain_id_number()


def _outcome(fetched: FetchedMaterial, now: datetime, **changes: Any) -> FetchedMaterial:
    for name, value in changes.items():
        setattr(fetched, name, value)
    fetched.attempts += 1
    fetched.updated_at = now
    if fetched.status == FetchStatus.UNAVAILABLE and fetched.attempts <= len(RETRY_DELAYS):
        fetched.next_attempt_at = now + RETRY_DELAYS[fetched.attempts - 1]
    else:
        fetched.next_attempt_at = None
    fetched.save()
    touched(fetched.application)
    return fetched


def run(fetched: FetchedMaterial) -> FetchedMaterial:
    """Make one fetch. Never raises for the provider's answer: the row says what happened."""
    now = timezone.now()
    subject = _subject(fetched)
    if not subject:
        return _outcome(
            fetched, now, status=FetchStatus.NOT_FOUND, last_error="no identifier to ask with"
        )
    try:
        claims = exchange.call(
            fetched.consumer,
            fetched.service.code,
            subject=subject,
            purpose=fetched.application.item_version.item.code,
            case_ref=fetched.application.ref,
            actor=ACTOR,
        )
    except DomainError as error:
        status = FetchStatus.UNAVAILABLE if error.status >= 500 else FetchStatus.REFUSED
        return _outcome(fetched, now, status=status, last_error=str(error)[:200])
    except Exception as error:  # a provider fault must not lose the application
        logger.exception("fetch %s for %s failed", fetched.service.code, fetched.application.ref)
        return _outcome(
            fetched, now, status=FetchStatus.UNAVAILABLE, last_error=type(error).__name__
        )
    message = ExchangeMessage.objects.filter(nonce=str(claims.get("in_reply_to", ""))).first()
    if not claims.get("found"):
        return _outcome(fetched, now, status=FetchStatus.NOT_FOUND, message=message, last_error="")
    return _outcome(
        fetched,
        now,
        status=FetchStatus.FETCHED,
        message=message,
        last_error="",
        data_encrypted=personal_data.encrypt(
            json.dumps(claims.get("data", {}), ensure_ascii=False), context=FETCHED_CONTEXT
        ),
    )


def run_due(application: Application | None = None, *, now: datetime | None = None) -> int:
    """Make the fetches that are due (for one application, or all of them); returns how many
    were tried. Each runs in its own transaction and locks its row, so two workers never
    fetch the same material twice."""
    now = now or timezone.now()
    due = FetchedMaterial.objects.filter(
        status__in=[FetchStatus.PENDING, FetchStatus.UNAVAILABLE], next_attempt_at__lte=now
    )
    if application is not None:
        due = due.filter(application=application)
    tried = 0
    for pk in list(due.values_list("pk", flat=True)[:200]):
        with moving():
            fetched = (
                # Lock only the fetch row: the joined business is nullable, and PostgreSQL
                # cannot lock the nullable side of an outer join.
                FetchedMaterial.objects.select_for_update(of=("self",))
                .select_related(
                    "service__provider",
                    "consumer",
                    "application__applicant",
                    "application__business",
                    "application__item_version__item",
                )
                .filter(
                    pk=pk,
                    status__in=[FetchStatus.PENDING, FetchStatus.UNAVAILABLE],
                    next_attempt_at__lte=now,
                )
                .first()
            )
            if fetched is None:
                continue
            run(fetched)
            tried += 1
    return tried


def data_of(fetched: FetchedMaterial) -> list[tuple[str, str]]:
    """The fetched fields as (label, value), in the data service's order."""
    fields = [(f["name"], f["label_zh"], f["label_en"]) for f in fetched.service.response_fields]
    return fetched_rows(fetched.data_encrypted, fields)


def retry_fetches(now: datetime | None = None) -> int:
    """The worker's tick: fetches whose provider was unavailable, tried again when due."""
    return run_due(now=now)

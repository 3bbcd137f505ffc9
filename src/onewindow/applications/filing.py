"""Filing: drafts, uploads, submission, supplements answered, withdrawal, and the
applicant's side of materials the platform fetches (upload instead, try again).

These are the applicant's use cases (or those of the clerk or village agent filing for them
under consent); each calls down into the workflow engine for its transitions.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.applications import fetching, notices
from onewindow.applications.competence import (
    check_may_file_here,
    competent_department,
    county_of,
)
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import (
    Application,
    ApplicationStatus,
    Channel,
    Draft,
    FetchedMaterial,
    FetchStatus,
    ReferenceCounter,
    Step,
    StepStatus,
    SupplementRequest,
    Upload,
    filing_payload,
)
from onewindow.applications.uploads import CheckedFile, check_upload
from onewindow.applications.workflow.definitions import workflow_of
from onewindow.applications.workflow.engine import (
    advance,
    due_after,
    finish,
    new_step,
    new_transition,
    opening_transition,
    record_transition,
    resumed_due_at,
    role_of,
    save_step,
)
from onewindow.applications.workflow.status import moving, touched
from onewindow.catalog.form_schema import Filer as FormFiler
from onewindow.catalog.form_schema import validate_form_data
from onewindow.catalog.models import Audience, Delivery, MaterialSource, ServiceItemVersion
from onewindow.catalog.workflow_definition import StepDefinition
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.inserts import insert
from onewindow.core.models import Division
from onewindow.core.selectors import division_by_pk
from onewindow.identity import services as identity_services
from onewindow.identity.access import record_data_access
from onewindow.identity.models import (
    AccessKind,
    Business,
    Department,
    OfficerRole,
    Role,
    User,
    UserKind,
)
from onewindow.ledger import services as ledger


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _next_ref(county: Division, now: datetime) -> str:
    """The county's next readable ref of the day: one upsert takes the number and keeps the
    counter row locked until the transaction ends (no gaps, no duplicates)."""
    prefix = f"{county.code[:6]}-{timezone.localtime(now):%Y%m%d}"
    return f"{prefix}-{next_number(prefix):06d}"


def next_number(prefix: str) -> int:
    """The next number of the counter named `prefix` (at most 16 characters), from 1."""
    quote = connection.ops.quote_name
    table, column = quote(ReferenceCounter._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('prefix')}, {column}) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT ({quote('prefix')}) DO UPDATE SET {column} = {table}.{column} + 1 "
            f"RETURNING {column}",
            [prefix],
        )
        (number,) = cursor.fetchone()
    return int(number)


def _check_business(
    applicant: User, business: Business | None, version: ServiceItemVersion
) -> None:
    if version.audience == Audience.BUSINESS and business is None:
        raise DomainError(
            _("This service is for businesses: choose the company."), field="business"
        )
    if version.audience == Audience.CITIZEN and business is not None:
        raise DomainError(_("This service is for individuals."), field="business")
    if business is None or business.legal_representative_id == applicant.pk:
        return
    authorisation = business.agents.filter(agent=applicant, withdrawn_at__isnull=True).first()
    if authorisation is None or (
        authorisation.service_types and version.service_type not in authorisation.service_types
    ):
        raise PermissionDenied(
            _("You are not authorised to apply for this business."), field="business"
        )


def _filing_channel(
    applicant: User, filed_by: User, *, via_partner_app: bool = False
) -> tuple[str, Division]:
    """Who filed decides the channel and the receiving division; refuses agents without a
    valid consent and officers who are not window clerks."""
    if filed_by.pk == applicant.pk:
        if applicant.division_id is None:
            raise DomainError(_("Your account has no registered division."), field="division")
        channel = Channel.PARTNER_APP if via_partner_app else Channel.ONLINE
        return channel, division_by_pk(applicant.division_id)
    if filed_by.kind == UserKind.STATION_AGENT:
        if identity_services.valid_consent(filed_by, applicant) is None:
            raise PermissionDenied(_("The resident's consent is missing or has expired."))
        assert filed_by.division_id is not None
        return Channel.VILLAGE_AGENT, division_by_pk(filed_by.division_id)
    if (
        filed_by.is_officer
        and OfficerRole.objects.filter(user=filed_by, role=Role.WINDOW_CLERK).exists()
    ):
        # The citizen at the counter consents as a resident at a village station does.
        if identity_services.valid_consent(filed_by, applicant) is None:
            raise PermissionDenied(_("The citizen's consent is missing or has expired."))
        assert filed_by.department is not None
        return Channel.HALL, filed_by.department.division
    raise PermissionDenied(_("Only the applicant, a window clerk or a consented agent may file."))


def _missing_uploads(version: ServiceItemVersion, uploads: Iterable[Upload]) -> list[str]:
    have = {upload.material_key for upload in uploads}
    return [
        material["key"]
        for material in version.materials
        if material["source"] == MaterialSource.UPLOAD
        and material.get("is_required", True)
        and material["key"] not in have
    ]


def submit_application(
    applicant: User,
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    *,
    idempotency_key: str,
    delivery: str,
    business: Business | None = None,
    filed_by: User | None = None,
    draft: Draft | None = None,
    fetch_consent: bool = False,
    address: Mapping[str, Any] | None = None,
    via_partner_app: bool = False,
) -> Application:
    """File an application once. The same idempotency key returns the first application;
    the same key with different content is a Conflict. Raises DomainError with per-field
    `params["errors"]` for a form that breaks its schema, and stores nothing then.

    Materials the catalogue declares as fetched are asked from their departments right
    after the application is stored, once the applicant has confirmed (`fetch_consent`);
    a material the applicant uploaded anyway is not fetched.

    A result delivered by post needs the `address` (recipient_name, mobile, division code,
    street, postal_code): its errors come with the form's, keyed `address.<field>`; other
    methods ignore it.

    The same as `file_submission(check_submission(...))`: callers that keep their own
    transaction around the write (the API stores its answer in it) call the two apart."""
    return file_submission(
        check_submission(
            applicant,
            version,
            form_data,
            idempotency_key=idempotency_key,
            delivery=delivery,
            business=business,
            filed_by=filed_by,
            draft=draft,
            fetch_consent=fetch_consent,
            address=address,
            via_partner_app=via_partner_app,
        )
    )


def check_submission(
    applicant: User,
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    *,
    idempotency_key: str,
    delivery: str,
    business: Business | None = None,
    filed_by: User | None = None,
    draft: Draft | None = None,
    fetch_consent: bool = False,
    address: Mapping[str, Any] | None = None,
    via_partner_app: bool = False,
) -> Filing | Application:
    """Every read and check of a submission, before anything is written (on SQLite, before
    the write lock is taken): the Filing for `file_submission`, or the Application this key
    already filed when the same request comes again after its draft was used up. Raises as
    `submit_application` does."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise DomainError(
            _("A request key of 1 to 64 characters is needed."), field="idempotency_key"
        )
    filed_by = filed_by or applicant
    digest = _request_digest(version, form_data, business, delivery, address)
    try:
        return _checked_filing(
            applicant,
            filed_by,
            version,
            form_data,
            business=business,
            delivery=delivery,
            idempotency_key=idempotency_key,
            digest=digest,
            draft=draft,
            address=address,
            fetch_consent=fetch_consent,
            via_partner_app=via_partner_app,
        )
    except DomainError:
        # The key is looked up only now: a new request (nearly all) never pays for it.
        previous = _filed_before(applicant, idempotency_key, digest)
        if previous is None:
            raise
        return previous


def file_submission(submission: Filing | Application) -> Application:
    """Write a checked submission in one short transaction (or answer with the application
    its key filed before, found at the insert), then make the fetches it opened."""
    if isinstance(submission, Application):
        return submission
    application = _store_application(submission, timezone.now())
    if any(fetch.is_possible for fetch in submission.planned):
        fetching.run_due(application)
    return application


def _filed_before(applicant: User, idempotency_key: str, digest: str) -> Application | None:
    """The application this request key already filed, if the request is the same; a
    Conflict if the key was used for a different one."""
    existing = Application.objects.filter(
        applicant=applicant, idempotency_key=idempotency_key
    ).first()
    if existing is not None and existing.request_digest != digest:
        raise Conflict(
            _("This request key was already used for a different application."),
            code="idempotency_key_reused",
        )
    return existing


def _checked_filing(
    applicant: User,
    filed_by: User,
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    *,
    business: Business | None,
    delivery: str,
    idempotency_key: str,
    digest: str,
    draft: Draft | None,
    address: Mapping[str, Any] | None,
    fetch_consent: bool,
    via_partner_app: bool,
) -> Filing:
    """Every check of a new submission, in the order its errors are reported: the form and
    address, the business, where it is filed, the materials and the consent to fetch."""
    postal_address = _checked_form(
        version, form_data, delivery, address, FormFiler(applicant, filed_by, business)
    )
    _check_business(applicant, business, version)
    channel, home, receiving = _filing_place(
        applicant, filed_by, business, version, via_partner_app=via_partner_app
    )
    uploads, planned = _checked_materials(
        version, draft, home, has_business=business is not None, fetch_consent=fetch_consent
    )
    first_steps = [
        (
            definition,
            competent_department(home, kind=definition.department_kind, level=definition.level),
        )
        for definition in workflow_of(version).initial_steps()
    ]
    return Filing(
        applicant=applicant,
        filed_by=filed_by,
        version=version,
        form_data=form_data,
        business=business,
        delivery=delivery,
        idempotency_key=idempotency_key,
        digest=digest,
        channel=channel,
        home=home,
        receiving=receiving,
        county=county_of(home),
        draft_pk=draft.pk if draft is not None else None,
        uploads=uploads,
        planned=planned,
        postal_address=postal_address,
        first_steps=first_steps,
    )


@dataclass(frozen=True)
class Filing:
    """A submission that passed every check, with where and how it is filed: what
    `file_submission` writes."""

    applicant: User
    filed_by: User
    version: ServiceItemVersion
    form_data: dict[str, Any]
    business: Business | None
    delivery: str
    idempotency_key: str
    digest: str
    channel: str
    home: Division
    receiving: Division
    county: Division  # the home's: its counter gives the readable ref
    draft_pk: int | None
    uploads: list[Upload]
    planned: list[fetching.PlannedFetch]
    postal_address: paper_delivery.PostalAddress | None
    first_steps: list[tuple[StepDefinition, Department]]  # with their competent departments


def _request_digest(
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    business: Business | None,
    delivery: str,
    address: Mapping[str, Any] | None,
) -> str:
    """What a retry with the same idempotency key must repeat to get the same answer."""
    request = [version.pk, form_data, business.pk if business else None, delivery]
    if delivery == Delivery.POST and address is not None:
        request.append(dict(address))
    return _digest(request)


def _form_invalid(errors: Mapping[str, Any]) -> DomainError:
    """The error for a form with problems: all of them, keyed by field, the first one named."""
    return DomainError(
        _("The form has %(count)s problem(s)."),
        code="form_invalid",
        field=next(iter(errors)),
        params={"count": len(errors), "errors": errors},
    )


def _checked_form(
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    delivery: str,
    address: Mapping[str, Any] | None,
    filer: FormFiler,
) -> paper_delivery.PostalAddress | None:
    """The form against its schema (its checks told who files) and, for delivery by post,
    the address, all errors at once; then the delivery method. Returns the checked postal
    address, if any."""
    errors = validate_form_data(version.form_schema, form_data, filer=filer)
    postal_address = None
    if delivery == Delivery.POST and delivery in version.delivery_options:
        postal_address, address_errors = paper_delivery.address_errors(address or {})
        errors = {**errors, **address_errors}
    if errors:
        raise _form_invalid(errors)
    if delivery not in version.delivery_options:
        raise DomainError(_("Choose one of the delivery options offered."), field="delivery")
    return postal_address


def _filing_place(
    applicant: User,
    filed_by: User,
    business: Business | None,
    version: ServiceItemVersion,
    *,
    via_partner_app: bool,
) -> tuple[str, Division, Division]:
    """The channel, the home division (the applicant's or the business's) and the receiving
    one; refuses a hall or station that may not take this service for that home."""
    channel, receiving = _filing_channel(applicant, filed_by, via_partner_app=via_partner_app)
    home_pk = business.division_id if business is not None else applicant.division_id
    assert home_pk is not None
    home = division_by_pk(home_pk)
    if channel in (Channel.ONLINE, Channel.PARTNER_APP):
        receiving = home  # online, the handling side is the receiving side
    check_may_file_here(
        home=home, receiving=receiving, is_apply_anywhere=version.item.is_apply_anywhere
    )
    return channel, home, receiving


def _checked_materials(
    version: ServiceItemVersion,
    draft: Draft | None,
    home: Division,
    *,
    has_business: bool,
    fetch_consent: bool,
) -> tuple[list[Upload], list[fetching.PlannedFetch]]:
    """Every required upload present, and consent given for what the platform would fetch
    (materials uploaded anyway are not fetched). Returns the uploads and planned fetches."""
    uploads = list(draft.uploads.all()) if draft is not None else []
    missing = _missing_uploads(version, uploads)
    if missing:
        names = [m["name_en"] for m in version.materials if m["key"] in missing]
        raise DomainError(
            _("Upload every required material first: %(names)s."),
            code="materials_missing",
            field="materials",
            params={"names": ", ".join(names), "missing": missing},
        )
    uploaded = {upload.material_key for upload in uploads}
    planned = [
        fetch
        for fetch in fetching.plan(version, home, has_business=has_business)
        if fetch.key not in uploaded
    ]
    if not fetch_consent and any(fetch.is_possible for fetch in planned):
        raise DomainError(
            _(
                "Confirm that the platform may fetch the listed records for you, "
                "or upload those documents yourself."
            ),
            code="fetch_consent_missing",
            field="fetch_consent",
        )
    return uploads, planned


# No savepoint: inside the API's transaction, a failure must undo the stored answer as well.
@moving(savepoint=False)
def _store_application(filing: Filing, now: datetime) -> Application:
    """Write the application, move the draft's uploads to it, open the first steps, give it
    its readable ref, record the filing in the ledger and open its fetches. Each kind of
    row is one statement; what was checked before is not read again. The steps written are
    left on the application (`application.steps.all()` answers without a query)."""
    application = _new_application(filing, now)
    if not insert([application], unless_exists=("applicant", "idempotency_key")):
        # Another request with this key filed first (a concurrent retry, or an expired answer).
        existing = _filed_before(filing.applicant, filing.idempotency_key, filing.digest)
        if existing is None:  # and gone again: the key is not free for this request either
            raise Conflict(
                _("This request key was already used for a different application."),
                code="idempotency_key_reused",
            )
        return existing
    touched(application)
    _use_up_draft(filing, application)
    if filing.postal_address is not None:
        paper_delivery.store_address(application, filing.postal_address)
    steps = [
        new_step(application, definition, now, department=department)
        for definition, department in filing.first_steps
    ]
    insert(steps)
    insert(
        [
            new_transition(
                application,
                None,
                "submitted",
                filing.filed_by,
                "",
                ApplicationStatus.IN_PROGRESS,
                actor_role=role_of(filing.filed_by, application),
            ),
            *(opening_transition(application, step) for step in steps),
        ]
    )
    # The readable ref and the ledger entry come last, so the county's counter row and the
    # ledger's sequence stay locked only for the end of the transaction, not for all of it.
    application.ref = _next_ref(filing.county, now)
    application.filed_ledger_index = _record_filing(
        application,
        "filed",
        actor_role=role_of(filing.filed_by, application),
        materials=[(upload.material_key, upload.sha256) for upload in filing.uploads],
    )
    _give_ref(application)
    steps = advance(application, now, steps=steps)
    fetching.open_fetches(application, filing.planned)
    notices.announce(application, "application_received")
    _keep_steps(application, steps)
    return application


def _keep_steps(application: Application, steps: list[Step]) -> None:
    """Leave the steps just written on the application, as `prefetch_related` would: its
    answer is built from them, and `application.steps.all()` needs no query."""
    found = application.steps.all()
    # What django.db.models.prefetch_related_objects stores (attributes the stubs omit).
    found._result_cache = steps
    found._prefetch_done = True  # type: ignore[attr-defined]
    application._prefetched_objects_cache = {"steps": found}  # type: ignore[attr-defined]


def _give_ref(application: Application) -> None:
    """Write the application's readable ref and the index of its filing in the ledger."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Application._meta.db_table)} "  # noqa: S608 - identifiers only
            f"SET {quote('ref')} = %s, {quote('filed_ledger_index')} = %s "
            f"WHERE {quote('id')} = %s",
            [application.ref, application.filed_ledger_index, application.pk],
        )


def _use_up_draft(filing: Filing, application: Application) -> None:
    """Move the checked uploads from the draft to the application and delete the draft (an
    upload added since the check stays its owner's, on no draft); a Conflict if another
    submission used the draft since it was checked."""
    if filing.draft_pk is None:
        return
    quote = connection.ops.quote_name
    checked = [upload.pk for upload in filing.uploads]
    moving = ""
    if checked:
        moving = (
            f", {quote('application_id')} = CASE WHEN {quote('id')} IN "
            f"({', '.join(['%s'] * len(checked))}) THEN %s ELSE {quote('application_id')} END"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Upload._meta.db_table)} "  # noqa: S608 - identifiers only
            f"SET {quote('draft_id')} = NULL{moving} "
            f"WHERE {quote('draft_id')} = %s RETURNING {quote('id')}",
            [*checked, application.pk, filing.draft_pk] if checked else [filing.draft_pk],
        )
        if not {row[0] for row in cursor.fetchall()}.issuperset(checked):
            raise Conflict(
                _("This draft was submitted or changed meanwhile; reload it."),
                code="draft_changed",
            )
        cursor.execute(
            f"DELETE FROM {quote(Draft._meta.db_table)} WHERE {quote('id')} = %s",  # noqa: S608
            [filing.draft_pk],
        )
    for upload in filing.uploads:
        upload.application, upload.draft = application, None


def _new_application(filing: Filing, now: datetime) -> Application:
    version = filing.version
    is_online = filing.channel in (Channel.ONLINE, Channel.PARTNER_APP)
    return Application(
        ref=f"pending-{uuid.uuid4().hex[:16]}",  # until the readable ref is drawn
        applicant=filing.applicant,
        business=filing.business,
        item_version=version,
        division=filing.home,
        receiving_division=filing.receiving,
        channel=filing.channel,
        filed_by=filing.filed_by,
        form_data=filing.form_data,
        delivery=filing.delivery,
        idempotency_key=filing.idempotency_key,
        request_digest=filing.digest,
        submitted_at=now,
        due_at=due_after(now, version.promised_days),
        visits_promised=version.visits,
        visits_made=0 if is_online else 1,
        days_promised=version.promised_days,
    )


def _record_filing(
    application: Application,
    action: str,
    *,
    actor_role: str,
    materials: Iterable[tuple[str, str]] | None = None,
) -> int:
    """Record the filing (or a change of its form or materials) in the ledger: digests of
    what was submitted, never the answers themselves. `materials` are the application's
    (material key, SHA-256) pairs when the caller has them. Returns the entry's index."""
    if materials is None:
        materials = application.uploads.values_list("material_key", "sha256")
    receipt = ledger.record(
        f"application.{action}",
        subject_ref=application.ref,
        actor_role=actor_role if actor_role != "system" else "applicant",
        department="platform",
        payload=filing_payload(
            application.ref, application.item_version_id, application.form_data, materials
        ),
    )
    return receipt.index


def begin_hall_filing(clerk: User, *, resident_id_number: str) -> User:
    """A window clerk, with the citizen present and their ID card checked, looks them up to
    file for them. Raises PermissionDenied (not a window clerk), NotFound (no such citizen).
    The lookup of someone else's personal data is a data access the citizen sees."""
    if not (
        clerk.is_officer
        and clerk.department is not None
        and OfficerRole.objects.filter(user=clerk, role=Role.WINDOW_CLERK).exists()
    ):
        raise PermissionDenied(_("Only window clerks file for citizens at a service hall."))
    citizen = identity_services.find_user_by_identifier(resident_id_number)
    if citizen is None or citizen.kind != UserKind.CITIZEN or len(resident_id_number.strip()) < 15:
        raise NotFound(_("No registered citizen has this resident ID number."), field="id_number")
    record_data_access(
        AccessKind.IDENTITY_LOOKUP,
        subject_user=citizen,
        department=clerk.department,
        accessor=clerk.username,
        actor_role=Role.WINDOW_CLERK,
        what=_("Your account, found by your resident ID number"),
        purpose="hall_filing",
    )
    return citizen


def save_draft(
    applicant: User,
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    *,
    business: Business | None = None,
    draft: Draft | None = None,
) -> Draft:
    """Keep a part-filled form (unvalidated: a draft may be incomplete)."""
    if draft is not None and draft.applicant_id != applicant.pk:
        raise PermissionDenied(_("This draft is not yours."))
    if draft is None:
        draft = Draft(applicant=applicant, item_version=version, business=business)
    draft.form_data = form_data
    draft.updated_at = timezone.now()
    draft.save()
    return draft


def _store_upload(
    owner: User,
    *,
    material_key: str,
    name: str,
    content: bytes,
    checked: CheckedFile,
    draft: Draft | None = None,
    application: Application | None = None,
) -> Upload:
    upload = Upload(
        owner=owner,
        draft=draft,
        application=application,
        material_key=material_key,
        original_name=name[:200],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        scan_status=checked.scan_status,
    )
    upload.file.save(f"{checked.sha256[:16]}.bin", ContentFile(content), save=False)
    upload.save()
    return upload


UPLOADABLE_SOURCES = (MaterialSource.UPLOAD, MaterialSource.EXCHANGE)


def add_upload(
    owner: User, draft: Draft, *, material_key: str, name: str, content: bytes
) -> Upload:
    """Attach a material file to a draft after checking its type, size and scan. A material
    the platform would fetch may be uploaded instead; then it is not fetched."""
    if draft.applicant_id != owner.pk:
        raise PermissionDenied(_("This draft is not yours."))
    keys = {m["key"] for m in draft.item_version.materials if m["source"] in UPLOADABLE_SOURCES}
    if material_key not in keys:
        raise DomainError(_("This service asks for no such material."), field="material_key")
    checked = check_upload(content, field=f"file_{material_key}")
    draft.uploads.filter(material_key=material_key).delete()  # a new file replaces the old
    return _store_upload(
        owner, material_key=material_key, name=name, content=content, checked=checked, draft=draft
    )


def _check_acting_for(actor: User, application: Application) -> None:
    """Someone other than the applicant acts on the application: only a village agent or
    window clerk, and only under the applicant's valid consent."""
    applicant = application.applicant
    if (
        not identity_services.may_act_for_residents(actor)
        or identity_services.valid_consent(actor, applicant) is None
    ):
        raise PermissionDenied(_("The applicant's consent is missing or has expired."))


@moving()
def provide_supplements(
    applicant: User,
    application: Application,
    *,
    version: int,
    note: str = "",
    form_data: dict[str, Any] | None = None,
    files: dict[str, tuple[str, bytes]] | None = None,
    acting: User | None = None,
) -> Application:
    """Answer every open supplement request at once (corrected form answers and/or new
    files); the paused steps resume with the working days they had left. `acting` is the
    village agent or window clerk doing it for the applicant (a valid consent needed); the
    record then names them."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.applicant_id != applicant.pk:
        raise PermissionDenied(_("This application is not yours."))
    actor = applicant
    if acting is not None and acting.pk != applicant.pk:
        _check_acting_for(acting, locked)
        actor = acting
    if locked.version != version:
        raise Conflict(
            _("The application changed; reload it."),
            code="stale_version",
            params={"current": {"status": locked.status, "version": locked.version}},
        )
    if locked.status != ApplicationStatus.AWAITING_SUPPLEMENTS:
        raise Conflict(_("No supplements are being waited for."), code="nothing_to_supplement")
    if form_data is not None:
        merged = {**locked.form_data, **form_data}
        errors = validate_form_data(
            locked.item_version.form_schema,
            merged,
            filer=FormFiler(applicant, actor, locked.business),
        )
        if errors:
            raise _form_invalid(errors)
        locked.form_data = merged
    uploads_by_key = {m["key"] for m in locked.item_version.materials}
    for key, (name, content) in (files or {}).items():
        if key not in uploads_by_key:
            raise DomainError(_("This service asks for no such material."), field=key)
        _store_upload(
            applicant,
            material_key=key,
            name=name,
            content=content,
            checked=check_upload(content, field=key),
            application=locked,
        )
    now = timezone.now()
    for step in locked.steps.select_for_update().filter(status=StepStatus.AWAITING_SUPPLEMENTS):
        SupplementRequest.objects.filter(step=step).update(answered_at=now, answer_note=note)
        save_step(
            step,
            status=StepStatus.OPEN,
            due_at=resumed_due_at(step, now),
            days_left_when_paused=None,
            reminded_at=None,
        )
        record_transition(
            locked,
            step,
            "supplements_provided",
            actor,
            StepStatus.AWAITING_SUPPLEMENTS,
            step.status,
            reason=note,
        )
    locked.status = ApplicationStatus.IN_PROGRESS
    locked.version += 1
    locked.save(update_fields=["status", "version", "form_data"])
    _record_filing(locked, "amended", actor_role=role_of(actor, locked))
    record_transition(
        locked, None, "resumed", actor, ApplicationStatus.AWAITING_SUPPLEMENTS, locked.status
    )
    return locked


@moving()
def withdraw_application(
    applicant: User, application: Application, *, version: int, reason: str = ""
) -> Application:
    """The applicant (or whoever filed it for them) withdraws an unfinished application."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if applicant.pk not in (locked.applicant_id, locked.filed_by_id):
        raise PermissionDenied(_("This application is not yours."))
    if applicant.pk != locked.applicant_id:
        _check_acting_for(applicant, locked)
    if locked.is_terminal:
        raise Conflict(
            _("The application is already %(status)s and cannot move again."),
            code="application_finished",
            params={"status": locked.get_status_display()},
        )
    if locked.version != version:
        raise Conflict(
            _("The application changed; reload it."),
            code="stale_version",
            params={"current": {"status": locked.status, "version": locked.version}},
        )
    finish(
        locked,
        ApplicationStatus.WITHDRAWN,
        applicant,
        timezone.now(),
        reason=reason,
        actor_role=role_of(applicant, locked),
    )
    return locked


def _fetch_for_applicant(
    applicant: User, application: Application, material_key: str
) -> FetchedMaterial:
    """The applicant's fetched material, locked; refuses strangers and closed applications."""
    if application.applicant_id != applicant.pk:
        raise PermissionDenied(_("This application is not yours."))
    if application.is_terminal:
        raise Conflict(_("This application is closed."), code="application_closed")
    fetched = (
        FetchedMaterial.objects.select_for_update()
        .filter(application=application, material_key=material_key)
        .first()
    )
    if fetched is None:
        raise NotFound(_("No material of this application is fetched."), field="material_key")
    return fetched


@moving()
def provide_instead(
    applicant: User, application: Application, *, material_key: str, name: str, content: bytes
) -> Upload:
    """The applicant uploads a material the platform could not fetch (or chose not to wait
    for); the officer then works from the file."""
    fetched = _fetch_for_applicant(applicant, application, material_key)
    if fetched.status == FetchStatus.FETCHED:
        raise Conflict(_("This material was already fetched and verified."), code="fetched")
    upload = _store_upload(
        applicant,
        material_key=material_key,
        name=name,
        content=content,
        checked=check_upload(content, field=f"file_{material_key}"),
        application=application,
    )
    fetched.status = FetchStatus.UPLOADED
    fetched.next_attempt_at = None
    fetched.updated_at = timezone.now()
    fetched.save(update_fields=["status", "next_attempt_at", "updated_at"])
    _record_filing(application, "amended", actor_role="applicant")
    record_transition(
        application,
        None,
        "material_uploaded",
        applicant,
        application.status,
        application.status,
        reason=material_key,
    )
    return upload


def retry_fetch(applicant: User, application: Application, *, material_key: str) -> FetchStatus:
    """The applicant asks the platform to try a failed fetch again now."""
    with moving():
        fetched = _fetch_for_applicant(applicant, application, material_key)
        if fetched.status not in (FetchStatus.UNAVAILABLE, FetchStatus.NOT_FOUND):
            raise Conflict(_("This material is not waiting for another try."), code="not_retryable")
        fetched.status = FetchStatus.PENDING
        fetched.next_attempt_at = timezone.now()
        fetched.save(update_fields=["status", "next_attempt_at"])
        touched(application)
    fetching.run_due(application)
    fetched.refresh_from_db()
    return FetchStatus(fetched.status)

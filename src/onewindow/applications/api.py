"""Applications, drafts, uploads and the officer's tasks over JSON.

POST /applications needs an `Idempotency-Key` header: a retry with the same key and body
gets the first answer again (core/idempotency.py), another body under that key a 422.
Officer endpoints need a session confirmed with the second factor. Decisions carry the step
`version` the officer saw; a stale one is a 409 whose problem document holds the `current`
state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from onewindow.applications import selectors, services
from onewindow.applications.models import Application, Delivery, Draft, Step, Upload
from onewindow.catalog import selectors as catalog
from onewindow.core import idempotency
from onewindow.core.errors import DomainError, NotFound, documented_problems
from onewindow.identity.bearer import partner_client, person
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import Business, User
from onewindow.identity.oidc.scopes import APPLICATIONS_FILE, APPLICATIONS_READ
from onewindow.identity.selectors import account_named, businesses_of

router = Router(tags=["applications"], auth=django_auth)
PAGE_SIZE = 50
JSON = "application/json; charset=utf-8"  # what django-ninja's renderer sends


class StepOut(Schema):
    id: int
    key: str
    department: str
    role: str
    status: str
    due_at: datetime
    finished_at: datetime | None
    is_held: bool
    escalation_level: int
    version: int

    @staticmethod
    def resolve_department(step: Step) -> str:
        return step.department.code

    @staticmethod
    def resolve_is_held(step: Step) -> bool:
        return step.assignee_id is not None


class EventOut(Schema):
    """One recorded move of an application or of its paper delivery, with its ledger index."""

    action: str
    from_status: str
    to_status: str
    actor_role: str
    reason: str
    at: datetime
    ledger_index: int | None


class TransitionOut(EventOut):
    step: str | None

    @staticmethod
    def resolve_step(transition: Any) -> str | None:
        return transition.step.key if transition.step_id else None


class ApplicationOut(Schema):
    ref: str
    service_code: str
    service_version: int
    status: str
    channel: str
    division: str
    receiving_division: str
    business: str | None
    form: dict[str, Any]
    delivery: str
    submitted_at: datetime
    due_at: datetime
    finished_at: datetime | None
    days_promised: int
    days_taken: int | None
    visits_promised: int
    visits_made: int
    version: int
    # The filing's entry in the public ledger: a receipt anyone can verify at /ledger/.
    filed_ledger_index: int | None
    # An investment project's code (given at acceptance); empty for other services.
    project_code: str
    steps: list[StepOut]

    @staticmethod
    def resolve_service_code(application: Application) -> str:
        return application.item_version.item.code

    @staticmethod
    def resolve_service_version(application: Application) -> int:
        return application.item_version.number

    @staticmethod
    def resolve_division(application: Application) -> str:
        return application.division.code

    @staticmethod
    def resolve_receiving_division(application: Application) -> str:
        return application.receiving_division.code

    @staticmethod
    def resolve_business(application: Application) -> str | None:
        return application.business.credit_code if application.business else None

    @staticmethod
    def resolve_form(application: Application) -> dict[str, Any]:
        return dict(application.form_data)

    @staticmethod
    def resolve_steps(application: Application) -> list[Step]:
        return selectors.steps_of(application)


class FetchedOut(Schema):
    """A material fetched from the department that holds it (once-only)."""

    material: str
    data_service: str
    provider: str
    consumer: str
    status: str
    data: dict[str, str]
    ledger_index: int | None

    @staticmethod
    def resolve_material(view: selectors.FetchedView) -> str:
        return view.fetched.material_key

    @staticmethod
    def resolve_data_service(view: selectors.FetchedView) -> str:
        return view.fetched.service.code

    @staticmethod
    def resolve_provider(view: selectors.FetchedView) -> str:
        return view.fetched.service.provider.code

    @staticmethod
    def resolve_consumer(view: selectors.FetchedView) -> str:
        return view.fetched.consumer.code

    @staticmethod
    def resolve_status(view: selectors.FetchedView) -> str:
        return view.fetched.status

    @staticmethod
    def resolve_data(view: selectors.FetchedView) -> dict[str, str]:
        return dict(view.rows)

    @staticmethod
    def resolve_ledger_index(view: selectors.FetchedView) -> int | None:
        message = view.fetched.message
        return message.ledger_index if message is not None else None


class ApplicationDetailOut(ApplicationOut):
    history: list[TransitionOut]
    fetched_materials: list[FetchedOut]

    @staticmethod
    def resolve_history(application: Application) -> list[Any]:
        return list(selectors.history(application))

    @staticmethod
    def resolve_fetched_materials(application: Application) -> list[selectors.FetchedView]:
        return selectors.fetched_materials(application)


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: int | None


class AddressIn(Schema):
    """Where a posted result goes: `division` is the code of the county, township or street."""

    recipient_name: str = ""
    mobile: str = ""
    division: str = ""
    street: str = ""
    postal_code: str = ""


class SubmitIn(Schema):
    service_code: str
    form: dict[str, Any]
    delivery: str
    business: str | None = None  # unified social credit code
    draft: int | None = None
    # The applicant agrees that the materials the service fetches are asked from the
    # departments that hold them (see the service's guide); without it, upload them.
    fetch_consent: bool = False
    # Needed when `delivery` is "post"; errors name `address.<field>`.
    address: AddressIn | None = None


def _business(user: User, credit_code: str | None) -> Business | None:
    if not credit_code:
        return None
    found = businesses_of(user).filter(credit_code=credit_code).first()
    if found is None:
        raise NotFound(_("No business of yours has this credit code."), field="business")
    return found


@router.post(
    "/applications",
    response={201: ApplicationOut},
    summary="File an application (send an Idempotency-Key header)",
    auth=person(APPLICATIONS_FILE),
)
def submit(request: HttpRequest, payload: SubmitIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        submission = services.check_submission(
            user,
            catalog.current_version(payload.service_code),
            payload.form,
            idempotency_key=key,
            delivery=payload.delivery,
            business=_business(user, payload.business),
            draft=selectors.access_draft(user, payload.draft) if payload.draft else None,
            fetch_consent=payload.fetch_consent,
            address=payload.address.dict() if payload.address else None,
            via_partner_app=partner_client(request) is not None,
        )

        def write() -> tuple[int, dict[str, Any]]:
            application = services.file_submission(submission)
            # From the objects just written: the application carries its steps.
            return 201, ApplicationOut.from_orm(application).model_dump(mode="json")

        return write

    # The key first: a retry is answered from what the first request stored, before the
    # draft (used up by the first filing) or anything else is looked up.
    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)


@router.get(
    "/applications",
    response=ApplicationPage,
    summary="My applications, newest first",
    auth=person(APPLICATIONS_READ),
)
def mine(request: HttpRequest, cursor: int | None = None) -> dict[str, Any]:
    found = (
        selectors.applications_of(signed_in_user(request))
        .select_related("division", "receiving_division", "item_version__item")
        .order_by("-pk")
    )
    if cursor is not None:
        found = found.filter(pk__lt=cursor)
    page = list(found[: PAGE_SIZE + 1])
    return {
        "items": page[:PAGE_SIZE],
        "next_cursor": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
    }


@router.get(
    "/applications/{ref}",
    response=ApplicationDetailOut,
    summary="One application",
    auth=person(APPLICATIONS_READ),
)
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    # The answer is kept whole by the workflow engine (workflow/status.py): one statement,
    # sent as stored. `ApplicationDetailOut` documents it and is what it is checked against.
    answer = selectors.access_status(signed_in_user(request), ref)
    return HttpResponse(answer, content_type=JSON)


class VersionIn(Schema):
    version: int
    reason: str = ""


@router.post(
    "/applications/{ref}/withdraw",
    response=ApplicationOut,
    summary="Withdraw",
    auth=person(APPLICATIONS_FILE),
)
def withdraw(request: HttpRequest, ref: str, payload: VersionIn) -> Application:
    user = signed_in_user(request)
    application = selectors.access_application(user, ref)
    return services.withdraw_application(
        user, application, version=payload.version, reason=payload.reason
    )


class SupplementsIn(Schema):
    version: int
    note: str = ""
    form: dict[str, Any] | None = None


@router.post(
    "/applications/{ref}/supplements",
    response=ApplicationOut,
    summary="Answer the open supplement requests (files: upload them to a draft first)",
    auth=person(APPLICATIONS_FILE),
)
def supplements(request: HttpRequest, ref: str, payload: SupplementsIn) -> Application:
    user = signed_in_user(request)
    application = selectors.access_application(user, ref)
    return services.provide_supplements(
        user, application, version=payload.version, note=payload.note, form_data=payload.form
    )


# ----- drafts and uploads ---------------------------------------------------------------------


class DraftIn(Schema):
    service_code: str
    form: dict[str, Any] = {}
    business: str | None = None


class UploadOut(Schema):
    id: int
    material_key: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    scan_status: str


class DraftOut(Schema):
    id: int
    service_code: str
    form: dict[str, Any]
    updated_at: datetime
    uploads: list[UploadOut]

    @staticmethod
    def resolve_service_code(draft: Draft) -> str:
        return draft.item_version.item.code

    @staticmethod
    def resolve_form(draft: Draft) -> dict[str, Any]:
        return dict(draft.form_data)

    @staticmethod
    def resolve_uploads(draft: Draft) -> list[Upload]:
        return list(draft.uploads.all())


@router.post(
    "/drafts", response={201: DraftOut}, summary="Start a draft", auth=person(APPLICATIONS_FILE)
)
def new_draft(request: HttpRequest, payload: DraftIn) -> Status[Draft]:
    user = signed_in_user(request)
    version = catalog.current_version(payload.service_code)
    business = _business(user, payload.business)
    return Status(201, services.save_draft(user, version, payload.form, business=business))


@router.get(
    "/drafts/{pk}", response=DraftOut, summary="One of my drafts", auth=person(APPLICATIONS_READ)
)
def get_draft(request: HttpRequest, pk: int) -> Draft:
    return selectors.access_draft(signed_in_user(request), pk)


@router.put(
    "/drafts/{pk}", response=DraftOut, summary="Save a draft's form", auth=person(APPLICATIONS_FILE)
)
def save_draft(request: HttpRequest, pk: int, payload: DraftIn) -> Draft:
    user = signed_in_user(request)
    draft = selectors.access_draft(user, pk)
    return services.save_draft(user, draft.item_version, payload.form, draft=draft)


@router.post(
    "/drafts/{pk}/uploads",
    response={201: UploadOut},
    summary="Upload a material",
    auth=person(APPLICATIONS_FILE),
)
def upload(
    request: HttpRequest,
    pk: int,
    material_key: Form[str],
    file: File[UploadedFile],
) -> Status[Upload]:
    """PDF, PNG or JPEG (recognised by content), up to 10 MB; refused before anything is
    stored otherwise."""
    user = signed_in_user(request)
    draft = selectors.access_draft(user, pk)
    if file.size is not None and file.size > 10 * 1024 * 1024 + 1:
        raise DomainError(
            _("The file is larger than 10 MB."), code="upload_too_large", field="file"
        )
    return Status(
        201,
        services.add_upload(
            user,
            draft,
            material_key=material_key,
            name=file.name or material_key,
            content=file.read(),
        ),
    )


# ----- the officer's tasks --------------------------------------------------------------------


class OfApplication(Schema):
    """The application something belongs to (a step, a delivery), by reference and service."""

    application: str
    service_code: str

    @staticmethod
    def resolve_application(part: Step | Delivery) -> str:
        return part.application.ref

    @staticmethod
    def resolve_service_code(part: Step | Delivery) -> str:
        return part.application.item_version.item.code


class TaskOut(OfApplication, StepOut):
    working_days_left: int

    @staticmethod
    def resolve_working_days_left(step: Step) -> int:
        return selectors.working_days_left(step.due_at)


@router.get(
    "/tasks",
    response=list[TaskOut],
    summary="My department's open steps, by deadline",
    openapi_extra=documented_problems(400),  # an unknown queue view
)
def tasks(request: HttpRequest, view: str = "all", service: str = "") -> list[Step]:
    officer = verified_officer(request)
    if view not in selectors.QUEUE_FILTERS:
        raise DomainError(_("Unknown queue view."), field="view")
    return selectors.work_queue(officer, view=view, service=service)


class StepDecisionIn(Schema):
    version: int
    note: str = ""


class RejectIn(Schema):
    version: int
    reasons: str


class SupplementItem(Schema):
    key: str = ""
    reason: str


class SupplementRequestIn(Schema):
    version: int
    items: list[SupplementItem]


class ForwardIn(Schema):
    version: int
    to: str


def _task(request: HttpRequest, pk: int) -> tuple[User, Step]:
    officer = verified_officer(request)
    return officer, selectors.access_step(officer, pk)


@router.post("/tasks/{pk}/claim", response=TaskOut, summary="Claim a step")
def claim(request: HttpRequest, pk: int, payload: StepDecisionIn) -> Step:
    officer, step = _task(request, pk)
    return services.claim_step(officer, step, version=payload.version)


@router.post("/tasks/{pk}/approve", response=TaskOut, summary="Approve a step you hold")
def approve(request: HttpRequest, pk: int, payload: StepDecisionIn) -> Step:
    officer, step = _task(request, pk)
    return services.approve_step(officer, step, version=payload.version, note=payload.note)


@router.post("/tasks/{pk}/reject", response=TaskOut, summary="Reject, with reasons")
def reject(request: HttpRequest, pk: int, payload: RejectIn) -> Step:
    officer, step = _task(request, pk)
    return services.reject_step(officer, step, version=payload.version, reasons=payload.reasons)


@router.post(
    "/tasks/{pk}/supplements", response=TaskOut, summary="Request supplements, all at once"
)
def request_supplements(request: HttpRequest, pk: int, payload: SupplementRequestIn) -> Step:
    officer, step = _task(request, pk)
    services.request_supplements(
        officer, step, version=payload.version, items=[item.dict() for item in payload.items]
    )
    step.refresh_from_db()
    return step


@router.post("/tasks/{pk}/forward", response=TaskOut, summary="Forward to a colleague")
def forward(request: HttpRequest, pk: int, payload: ForwardIn) -> Step:
    officer, step = _task(request, pk)
    colleague = account_named(payload.to)
    if colleague is None:
        raise NotFound(_("No officer has this account name."), field="to")
    return services.forward_step(officer, step, version=payload.version, to=colleague)

"""The OpenAPI document is the contract: openapi-core (the library integrators use to check
a server against a document) validates the real request and the real answer of every
documented /api/v1/ operation, driven as clients drive them with data built through the
real services: a success and at least one error each. The last test fails when an
operation of the document was not exercised."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.exceptions import OpenAPIError

from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import Application, Delivery
from onewindow.core import personal_data
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.credentials import services as credential_services
from onewindow.credentials.models import Credential
from onewindow.exchange import services as exchange
from onewindow.exchange.credit import services as credit
from onewindow.exchange.models import DataService
from onewindow.exchange.seed import seed_data_services
from onewindow.grievances import mediation, reviews
from onewindow.grievances import services as hotline
from onewindow.identity import services as identity
from onewindow.identity.models import MOBILE_CONTEXT, ConsentMethod, User, UserSession
from tests.applications import factories
from tests.applications.factories import World
from tests.credentials.test_credentials import founder, licence, world  # noqa: F401  (fixtures)
from tests.grievances import factories as hotline_factories
from tests.grievances.test_api import MATRIX, Row, scene  # noqa: F401  (fixture)
from tests.identity import factories as people
from tests.identity.oidc_helpers import token_for
from tests.identity.oidc_helpers import world as sign_on_world
from tests.identity.test_assisted_filing import agent, verified_client  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
API = "/api/v1"
PROBLEM_JSON = "application/problem+json"
# Public free-text searches: any query is answered (with what matches), so there is no error
# to provoke today.
ALWAYS_ANSWERED = {
    ("get", "/api/v1/credit"),
    ("get", "/api/v1/hotline/wall"),
    ("get", "/api/v1/insights/indicators"),
}
HOUSEHOLD = "public_security.household_registration"
PURPOSE = "330000-CA-HY-001"


class SentRequest(DjangoOpenAPIRequest):
    """Django's request as openapi-core reads it, with the body bytes we sent (a multipart
    body is already consumed by the time the answer is back)."""

    def __init__(self, response: Any, body: bytes) -> None:
        super().__init__(response.wsgi_request)
        self.sent = body

    @property
    def body(self) -> bytes:
        return self.sent


class Contract:
    """Sends requests, has openapi-core check them and their answers, records coverage."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        # openapi-core reads application/json; problem+json is JSON too (RFC 9457).
        config = Config(extra_media_type_deserializers={PROBLEM_JSON: json_loads})
        self.openapi = OpenAPI.from_dict(document, config=config)
        self.statuses: dict[tuple[str, str], set[int]] = defaultdict(set)

    def call(
        self,
        client: Client,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        *,
        status: int,
        files: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        request_is_valid: bool = True,
    ) -> Any:
        """`request_is_valid=False` for a request the document itself refuses (no
        credentials, a body breaking the schema): openapi-core must refuse it too."""
        if files is not None:
            data, content_type = (
                encode_multipart(BOUNDARY, {**(body or {}), **files}),
                (MULTIPART_CONTENT),
            )
        elif body is not None:
            data, content_type = json.dumps(body).encode(), "application/json"
        else:
            data, content_type = b"", "application/json"
        # WSGI environ entries: `generic` takes them as **extra (Any).
        extra: dict[str, Any] = {
            f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()
        }
        response = client.generic(
            method.upper(), f"{API}{url}", data, content_type=content_type, **extra
        )
        assert response.status_code == status, (method, url, response.content[:600])
        request = SentRequest(response, data)
        if request_is_valid:
            self.openapi.validate_request(request)
        else:
            with pytest.raises(OpenAPIError):
                self.openapi.validate_request(request)
        assert isinstance(response, HttpResponse)  # the API never streams
        self.openapi.validate_response(request, DjangoOpenAPIResponse(response))
        if status >= 400:
            assert response["Content-Type"] == PROBLEM_JSON
        assert request.path_pattern is not None
        self.statuses[(method.lower(), request.path_pattern)].add(status)
        if not response.content:
            return None
        return response.json()


_contract: Contract | None = None


@pytest.fixture
def contract(client: Client) -> Contract:
    global _contract
    if _contract is None:
        _contract = Contract(client.get(f"{API}/openapi.json").json())
    return _contract


def _session(user: Any) -> Client:
    if user.is_officer:
        return verified_client(user)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    return browser


ANONYMOUS = Client()


# ----- public reads ----------------------------------------------------------------------------


def test_public_reads_match_the_document(contract: Contract, world: World) -> None:  # noqa: F811
    c = contract
    c.call(ANONYMOUS, "get", "/divisions/330106", status=200)
    c.call(ANONYMOUS, "get", "/divisions/999999", status=404)
    c.call(ANONYMOUS, "get", "/divisions/330106001/ancestors", status=200)
    c.call(ANONYMOUS, "get", "/divisions/999999/ancestors", status=404)
    c.call(ANONYMOUS, "get", "/divisions/330106/children", status=200)
    c.call(ANONYMOUS, "get", "/divisions/999999/children", status=404)

    found = c.call(ANONYMOUS, "get", "/services?q=%E5%BC%80%E5%85%AC%E5%8F%B8", status=200)
    assert found["items"][0]["code"] == factories.COMPANY
    c.call(ANONYMOUS, "get", "/services?level=county", status=422, request_is_valid=False)
    guide = c.call(ANONYMOUS, "get", f"/services/{factories.COMPANY}", status=200)
    assert {"key", "sla_days", "join"} <= set(guide["steps"][0])  # the guide's steps
    c.call(ANONYMOUS, "get", "/services/NOPE", status=404)

    c.call(ANONYMOUS, "get", "/hotline/wall?q=%E8%B7%AF%E7%81%AF", status=200)
    c.call(ANONYMOUS, "post", "/verify", {}, status=422, request_is_valid=False)


def test_credit_profiles_match_the_document(contract: Contract, world: World) -> None:  # noqa: F811
    departments = world["departments"]
    seed_data_services()
    requester = factories.officer(departments["330100-development_reform"])
    for code in (credit.REGISTRATION_SERVICE, *(s.service_code for s in credit.SOURCES)):
        service = DataService.objects.get(code=code)
        grant = exchange.request_grant(
            requester, service, purpose=credit.CREDIT_PURPOSE, fields=service.field_names
        )
        exchange.approve_grant(
            factories.officer(service.provider, "data_steward"),
            grant,
            fields=service.field_names,
            expires_at=timezone.now() + timedelta(days=30),
        )
    owner = people.citizen(world["divisions"]["community"], username="owner")
    business = identity.register_business(
        owner,
        credit_code=generate_credit_code(random.Random(58), division_code="330106"),
        name="杭州西溪味道餐饮管理有限公司",
        division=world["divisions"]["district"],
    )
    exchange.load_records(
        DataService.objects.get(code=credit.REGISTRATION_SERVICE),
        [
            (
                business.credit_code,
                {
                    "name": business.name,
                    "legal_representative": "王小明",
                    "registered_on": "2021-03-15",
                    "status": "存续",
                    "registration_authority": "杭州市西湖区市场监督管理局",
                },
            )
        ],
    )
    credit.refresh_profile(business.credit_code)

    c = contract
    listed = c.call(ANONYMOUS, "get", f"/credit?q={business.credit_code}", status=200)
    assert listed == [{"credit_code": business.credit_code, "name": business.name}]
    c.call(ANONYMOUS, "get", f"/credit/{business.credit_code}", status=200)
    c.call(ANONYMOUS, "get", "/credit/91330106MA2XXXXXXX", status=404)


# ----- the person's account, businesses and the client registry ---------------------------------


def test_identity_operations_match_the_document(
    contract: Contract,
    divisions: dict[str, Division],
    agent: User,  # noqa: F811
) -> None:
    c = contract
    given = sign_on_world(divisions, scopes=("profile",))
    token_for(given.citizen, given.client, given.secret, "openid profile")
    laptop = Client(HTTP_USER_AGENT="TestBrowser/1.0")
    signed = laptop.post(
        reverse("identity:sign-in"), {"username": "xiaoming", "password": people.PASSWORD}
    )
    assert signed.status_code == 302
    stranger = _session(people.citizen(divisions["community"], username="neighbour"))

    c.call(laptop, "get", "/me", status=200)
    c.call(ANONYMOUS, "get", "/me", status=401, request_is_valid=False)
    sessions = c.call(laptop, "get", "/me/sessions", status=200)
    assert sessions[0]["is_current"] is True
    c.call(ANONYMOUS, "get", "/me/sessions", status=401, request_is_valid=False)
    c.call(stranger, "post", f"/me/sessions/{sessions[0]['id']}/end", status=404)
    other = _session(given.citizen)
    other_session = UserSession.objects.create(
        user=given.citizen, session_key=other.session.session_key or "k", user_agent="Phone"
    )
    c.call(laptop, "post", f"/me/sessions/{other_session.pk}/end", status=204)

    clients = c.call(laptop, "get", "/me/clients", status=200)
    assert clients[0]["id"] == given.client.pk
    c.call(ANONYMOUS, "get", "/me/clients", status=401, request_is_valid=False)
    c.call(stranger, "post", f"/me/clients/{given.client.pk}/revoke", status=404)
    c.call(laptop, "post", f"/me/clients/{given.client.pk}/revoke", status=200)

    consent = identity.record_agent_consent(
        agent, given.citizen, method=ConsentMethod.ONE_TIME_CODE, evidence=b"challenge:1:abc"
    )
    c.call(laptop, "get", "/me/agent-consents", status=200)
    c.call(ANONYMOUS, "get", "/me/agent-consents", status=401, request_is_valid=False)
    c.call(stranger, "post", f"/me/agent-consents/{consent.pk}/withdraw", status=404)
    c.call(laptop, "post", f"/me/agent-consents/{consent.pk}/withdraw", status=200)

    business = identity.register_business(
        given.citizen,
        credit_code=generate_credit_code(random.Random(11), division_code="330106"),
        name="杭州云帆控股有限公司",
        division=divisions["district"],
    )
    agents = f"/businesses/{business.credit_code}/agents"
    made = c.call(laptop, "post", agents, {"agent": "neighbour"}, status=201)
    c.call(laptop, "post", agents, {"agent": "neighbour", "service_types": ["tax"]}, status=400)
    c.call(laptop, "get", agents, status=200)
    c.call(stranger, "get", agents, status=404)
    c.call(laptop, "post", f"{agents}/{made['id']}/withdraw", status=200)
    c.call(laptop, "post", f"{agents}/999999/withdraw", status=404)

    admin = verified_client(given.admin)
    c.call(admin, "get", "/clients", status=200)
    c.call(stranger, "get", "/clients", status=403)
    registered = c.call(
        admin,
        "post",
        "/clients",
        {
            "name": "Service hall terminal",
            "kind": "hall_terminal",
            "contact_department": given.client.contact_department.code,
            "redirect_uris": ["https://terminal.example/cb"],
            "allowed_scopes": ["profile", "applications:file"],
            "is_confidential": False,
        },
        status=201,
    )
    c.call(
        admin,
        "post",
        "/clients",
        {
            "name": "x",
            "kind": "hall_terminal",
            "contact_department": given.client.contact_department.code,
            "redirect_uris": ["https://terminal.example/cb"],
            "allowed_scopes": ["root"],
        },
        status=400,
    )
    pk = registered["id"]
    c.call(admin, "post", f"/clients/{pk}/suspend", {"reason": "合同到期"}, status=200)
    c.call(stranger, "post", f"/clients/{pk}/suspend", {"reason": "x"}, status=403)
    c.call(admin, "post", f"/clients/{pk}/reinstate", status=200)
    c.call(admin, "post", "/clients/999999/reinstate", status=404)
    c.call(admin, "put", f"/clients/{pk}/scopes", {"allowed_scopes": ["profile"]}, status=200)
    c.call(admin, "put", f"/clients/{pk}/scopes", {}, status=422, request_is_valid=False)


# ----- applications, drafts, the officer's tasks, the inbox --------------------------------------


def _open_step(application: Application) -> Any:
    application.refresh_from_db()
    return application.steps.filter(status="open").select_related("department").first()


def test_application_operations_match_the_document(contract: Contract, world: World) -> None:  # noqa: F811
    c = contract
    divisions = world["divisions"]
    birth = world["versions"][factories.BIRTH]
    applicant = people.citizen(divisions["community"], username="parent")
    me = _session(applicant)
    stranger = _session(people.citizen(divisions["community"], username="stranger"))

    draft = c.call(me, "post", "/drafts", {"service_code": factories.BIRTH}, status=201)
    c.call(me, "post", "/drafts", {"form": {}}, status=422, request_is_valid=False)
    c.call(me, "get", f"/drafts/{draft['id']}", status=200)
    c.call(stranger, "get", f"/drafts/{draft['id']}", status=404)
    c.call(
        me,
        "put",
        f"/drafts/{draft['id']}",
        {"service_code": factories.BIRTH, "form": {"baby_name": "王小宝"}},
        status=200,
    )
    c.call(stranger, "put", f"/drafts/{draft['id']}", {"service_code": "x"}, status=404)
    c.call(
        me,
        "post",
        f"/drafts/{draft['id']}/uploads",
        {"material_key": "household_register"},
        files={"file": _file("register.pdf", factories.PDF)},
        status=201,
    )
    c.call(
        me,
        "post",
        f"/drafts/{draft['id']}/uploads",
        {"material_key": "household_register"},
        files={"file": _file("register.txt", b"just words, not a scan")},
        status=400,
    )
    filing = {
        "service_code": factories.BIRTH,
        "form": factories.BIRTH_FORM,
        "delivery": "electronic",
        "draft": draft["id"],
    }
    c.call(me, "post", "/applications", filing, status=400)  # no Idempotency-Key
    filed = c.call(
        me, "post", "/applications", filing, headers={"Idempotency-Key": "k-1"}, status=201
    )
    # The same request again gets the first answer; another body under the key is a 422.
    c.call(me, "post", "/applications", filing, headers={"Idempotency-Key": "k-1"}, status=201)
    retry = {key: value for key, value in filing.items() if key != "draft"}
    c.call(me, "post", "/applications", retry, headers={"Idempotency-Key": "k-1"}, status=422)
    c.call(me, "get", "/applications", status=200)
    c.call(ANONYMOUS, "get", "/applications", status=401, request_is_valid=False)
    c.call(me, "get", f"/applications/{filed['ref']}", status=200)
    c.call(stranger, "get", f"/applications/{filed['ref']}", status=404)

    # The officer's queue and moves on the filed application.
    application = Application.objects.get(ref=filed["ref"])
    step = _open_step(application)
    officer = factories.officer(step.department, step.role)
    colleague = factories.officer(step.department, step.role)
    desk = verified_client(officer)
    c.call(desk, "get", "/tasks", status=200)
    c.call(desk, "get", "/tasks?view=nonsense", status=400)
    c.call(me, "get", "/tasks", status=403)
    c.call(desk, "post", f"/tasks/{step.pk}/claim", {"version": step.version + 7}, status=409)
    claimed = c.call(desk, "post", f"/tasks/{step.pk}/claim", {"version": step.version}, status=200)
    forwarded = c.call(
        desk,
        "post",
        f"/tasks/{step.pk}/forward",
        {"version": claimed["version"], "to": colleague.username},
        status=200,
    )
    c.call(desk, "post", f"/tasks/{step.pk}/forward", {"version": 1, "to": "ghost"}, status=404)
    desk = verified_client(colleague)
    c.call(desk, "post", f"/tasks/{step.pk}/approve", {"version": 0}, status=409)
    c.call(desk, "post", f"/tasks/{step.pk}/approve", {"version": forwarded["version"]}, status=200)

    # Supplements asked and answered; a rejection; a withdrawal.
    second = factories.file(applicant, birth, factories.BIRTH_FORM)
    step = _open_step(second)
    desk = verified_client(factories.officer(step.department, step.role))
    step_version = c.call(
        desk, "post", f"/tasks/{step.pk}/claim", {"version": step.version}, status=200
    )["version"]
    c.call(
        desk,
        "post",
        f"/tasks/{step.pk}/supplements",
        {"version": step_version},
        status=422,
        request_is_valid=False,
    )
    c.call(
        desk,
        "post",
        f"/tasks/{step.pk}/supplements",
        {"version": step_version, "items": [{"key": "", "reason": "出生医学证明编号看不清"}]},
        status=200,
    )
    second.refresh_from_db()
    c.call(
        me,
        "post",
        f"/applications/{second.ref}/supplements",
        {"version": second.version, "note": "已重新填写", "form": factories.BIRTH_FORM},
        status=200,
    )
    c.call(stranger, "post", f"/applications/{second.ref}/supplements", {"version": 1}, status=404)

    third = factories.file(applicant, birth, factories.BIRTH_FORM)
    step = _open_step(third)
    desk = verified_client(factories.officer(step.department, step.role))
    version = c.call(
        desk, "post", f"/tasks/{step.pk}/claim", {"version": step.version}, status=200
    )["version"]
    c.call(
        desk,
        "post",
        f"/tasks/{step.pk}/reject",
        {"version": version},
        status=422,
        request_is_valid=False,
    )
    c.call(
        desk,
        "post",
        f"/tasks/{step.pk}/reject",
        {"version": version, "reasons": "出生医学证明与户口簿不符"},
        status=200,
    )

    fourth = factories.file(applicant, birth, factories.BIRTH_FORM)
    c.call(me, "post", f"/applications/{fourth.ref}/withdraw", {"version": 0}, status=409)
    c.call(
        me,
        "post",
        f"/applications/{fourth.ref}/withdraw",
        {"version": fourth.version, "reason": "不需要了"},
        status=200,
    )

    inbox = c.call(me, "get", "/inbox", status=200)
    assert inbox["items"]
    c.call(ANONYMOUS, "get", "/inbox", status=401, request_is_valid=False)
    c.call(me, "post", f"/inbox/{inbox['items'][0]['id']}/read", status=200)
    c.call(stranger, "post", f"/inbox/{inbox['items'][0]['id']}/read", status=404)


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# ----- delivery of the paper result --------------------------------------------------------------


def _approved(application: Application) -> Application:
    for _round in range(10):
        step = _open_step(application)
        if step is None:
            break
        officer = factories.officer(step.department, step.role)
        from onewindow.applications import services

        step = services.claim_step(officer, step, version=step.version)
        services.approve_step(officer, step, version=step.version)
    application.refresh_from_db()
    return application


def test_delivery_operations_match_the_document(contract: Contract, world: World) -> None:  # noqa: F811
    c = contract
    divisions = world["divisions"]
    card = world["versions"][factories.SOCIAL_SECURITY_CARD]
    applicant = people.citizen(divisions["community"], username="cardholder")
    me = _session(applicant)
    clerk = verified_client(
        factories.officer(world["departments"]["330106-market_supervision"], "window_clerk")
    )
    outsider = verified_client(
        factories.officer(world["departments"]["330100-education"], "approver")
    )
    address = {
        "recipient_name": "王小明",
        "mobile": "138 1234 5678",
        "division": "330106001",
        "street": "文三路 90 号 3 幢 201 室",
        "postal_code": "310012",
    }
    posted = _approved(
        factories.file(applicant, card, {"bank": "icbc"}, delivery="post", address=address)
    )
    delivery = Delivery.objects.get(application=posted)

    c.call(me, "get", f"/applications/{posted.ref}/delivery", status=200)
    c.call(
        ANONYMOUS, "get", f"/applications/{posted.ref}/delivery", status=401, request_is_valid=False
    )
    c.call(clerk, "get", "/deliveries", status=200)
    c.call(clerk, "get", "/deliveries?view=lost", status=400)
    c.call(clerk, "get", f"/deliveries/{delivery.pk}/address", status=200)
    c.call(outsider, "get", f"/deliveries/{delivery.pk}/address", status=404)
    c.call(clerk, "post", f"/deliveries/{delivery.pk}/delivered", status=409)  # not posted yet
    waybill = {"carrier": "ems", "tracking_number": "EA123456789CN"}
    c.call(
        clerk,
        "post",
        f"/deliveries/{delivery.pk}/dispatch",
        {"carrier": "pigeon", "tracking_number": "1"},
        status=422,
        request_is_valid=False,
    )
    c.call(clerk, "post", f"/deliveries/{delivery.pk}/dispatch", waybill, status=200)
    c.call(clerk, "post", f"/deliveries/{delivery.pk}/returned", {"reason": "   "}, status=400)
    c.call(
        clerk, "post", f"/deliveries/{delivery.pk}/returned", {"reason": "收件人拒收"}, status=200
    )
    c.call(clerk, "post", f"/deliveries/{delivery.pk}/dispatch", waybill, status=200)
    c.call(clerk, "post", f"/deliveries/{delivery.pk}/delivered", status=200)

    pickup = _approved(factories.file(applicant, card, {"bank": "icbc"}, delivery="pickup"))
    ready = Delivery.objects.get(application=pickup)
    code = paper_delivery.pickup_code_of(ready)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _attempt in range(4):
        c.call(clerk, "post", f"/deliveries/{ready.pk}/hand-over", {"code": wrong}, status=400)
    locked = c.call(clerk, "post", f"/deliveries/{ready.pk}/hand-over", {"code": wrong}, status=429)
    assert locked["errors"][0]["field"] == "code"
    Delivery.objects.filter(pk=ready.pk).update(locked_until=None, failed_code_attempts=0)
    c.call(clerk, "post", f"/deliveries/{ready.pk}/hand-over", {"code": code}, status=200)


# ----- data sharing --------------------------------------------------------------------------


def test_data_sharing_operations_match_the_document(contract: Contract, world: World) -> None:  # noqa: F811
    c = contract
    seed_data_services()
    service = DataService.objects.get(code=HOUSEHOLD)
    consumer = world["departments"]["330106-civil_affairs"]
    number = people.resident_id()
    person = people.citizen(world["divisions"]["community"], id_number=number)
    exchange.load_records(service, [(number, {"name": "王小明", "household_division": "330106"})])
    clerk_user = factories.officer(consumer)
    clerk = verified_client(clerk_user)
    steward = verified_client(factories.officer(service.provider, "data_steward"))
    supervisor = verified_client(factories.officer(consumer, "supervisor"))
    me = _session(person)

    c.call(clerk, "get", "/data-services", status=200)
    c.call(me, "get", "/data-services", status=403)
    asking = {"service": HOUSEHOLD, "purpose": PURPOSE, "fields": ["name", "household_division"]}
    grant = c.call(clerk, "post", "/grants", asking, status=201)
    c.call(clerk, "post", "/grants", {**asking, "service": "nothing"}, status=404)
    c.call(clerk, "get", "/grants", status=200)
    c.call(me, "get", "/grants", status=403)
    expires = (timezone.now() + timedelta(days=9)).isoformat()
    c.call(
        clerk,
        "post",
        f"/grants/{grant['id']}/approve",
        {"fields": ["name"], "expires_at": expires},
        status=404,
    )
    c.call(
        steward,
        "post",
        f"/grants/{grant['id']}/approve",
        {"fields": ["name", "household_division"], "expires_at": expires},
        status=200,
    )

    exchange.call(
        consumer,
        HOUSEHOLD,
        subject=number,
        purpose=PURPOSE,
        case_ref="330106-20261124-000007",
        actor=clerk_user.username,
    )
    [access] = c.call(me, "get", "/my-data/accesses", status=200)
    # A second request for the same data, refused.
    refused = c.call(clerk, "post", "/grants", asking, status=201)
    c.call(
        steward,
        "post",
        f"/grants/{refused['id']}/refuse",
        {"reason": "已有授权，无需重复"},
        status=200,
    )
    c.call(steward, "post", "/grants/999999/refuse", {"reason": "x"}, status=404)
    c.call(ANONYMOUS, "get", "/my-data/accesses", status=401, request_is_valid=False)
    report = c.call(
        me,
        "post",
        f"/my-data/accesses/{access['id']}/report",
        {"reason": "Nobody told me about this lookup."},
        status=201,
    )
    c.call(me, "post", "/my-data/accesses/999999/report", {"reason": "Who is this?"}, status=404)
    c.call(supervisor, "get", "/misuse-cases", status=200)
    c.call(me, "get", "/misuse-cases", status=403)
    c.call(
        supervisor,
        "post",
        f"/misuse-cases/{report['case']}/decide",
        {"upheld": False, "finding": "It was for the marriage the person registered."},
        status=200,
    )
    c.call(
        supervisor, "post", "/misuse-cases/M-0/decide", {"upheld": True, "finding": "x"}, status=404
    )
    c.call(steward, "post", f"/grants/{grant['id']}/revoke", status=200)
    c.call(steward, "post", "/grants/999999/revoke", status=404)


# ----- credentials ---------------------------------------------------------------------------


def test_credential_operations_match_the_document(
    contract: Contract,
    licence: Credential,  # noqa: F811
    founder: User,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    c = contract
    owner = _session(founder)
    stranger = _session(people.citizen(world["divisions"]["community"], username="stranger"))
    c.call(owner, "get", "/credentials", status=200)
    c.call(ANONYMOUS, "get", "/credentials", status=401, request_is_valid=False)
    c.call(owner, "get", f"/credentials/{licence.pk}", status=200)
    c.call(stranger, "get", f"/credentials/{licence.pk}", status=404)
    shares = f"/credentials/{licence.pk}/shares"
    made = c.call(
        owner,
        "post",
        shares,
        {"recipient": "房东", "fields": ["companyName"], "days": 1},
        status=201,
    )
    c.call(owner, "post", shares, {"recipient": "房东", "fields": ["nothing"]}, status=400)
    c.call(owner, "get", shares, status=200)
    c.call(stranger, "get", shares, status=404)
    c.call(owner, "post", f"/credentials/shares/{made['id']}/withdraw", status=200)
    c.call(stranger, "post", f"/credentials/shares/{made['id']}/withdraw", status=404)
    verdict = c.call(
        ANONYMOUS, "post", "/verify", {"credential": credential_services.qr_of(licence)}, status=200
    )
    assert verdict["valid"] is True
    status = f"/credentials/{licence.pk}/status"
    revoke = {"status": "revoked", "reason": "依法吊销营业执照"}
    c.call(owner, "post", status, revoke, status=403)
    approver = verified_client(factories.officer(licence.issuer, "approver"))
    c.call(approver, "post", status, {"status": "revoked", "reason": ""}, status=400)
    c.call(approver, "post", status, revoke, status=200)


# ----- the hotline -----------------------------------------------------------------------------


@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_hotline_operations_match_the_document(
    contract: Contract,
    scene: dict[str, Any],  # noqa: F811
    row: Row,
) -> None:
    _name, method, path, body, _wrong, right, ok = row
    url, payload = path(scene), body(scene)
    payload_or_none = payload if method != "get" else None
    contract.call(ANONYMOUS, method, url, payload_or_none, status=401, request_is_valid=False)
    [status] = ok
    contract.call(_session(right(scene)), method, url, payload_or_none, status=status)


def test_the_rest_of_the_hotline_matches_the_document(
    contract: Contract,
    scene: dict[str, Any],  # noqa: F811
) -> None:
    c = contract
    hotline_world = scene["world"]
    open_case = scene["open"]
    housing = hotline_world.departments["330100-housing"]
    hotline.transfer_case(hotline_world.district_officer, open_case, to=housing, reason="物业负责")
    receiver = _session(hotline_factories.officer(housing, username="housing-2"))
    c.call(
        receiver,
        "post",
        f"/hotline/work/{open_case.ref}/contest",
        {"reason": "不归我们管"},
        status=200,
    )
    c.call(
        _session(scene["reporter"]),
        "post",
        "/hotline/cases",
        {"kind": "complaint"},
        status=422,
        request_is_valid=False,
    )
    c.call(
        _session(hotline_world.dispatcher),
        "post",
        "/hotline/dispatch/G-0",
        {"category": "city.refuse"},
        status=404,
    )
    c.call(
        _session(hotline_world.dispatcher),
        "post",
        "/hotline/transfers/999999/decision",
        {"decision": "upheld"},
        status=404,
    )
    c.call(
        _session(hotline_world.dispatcher),
        "post",
        "/hotline/merges/999999",
        {"confirm": True},
        status=404,
    )

    review = reviews.submit_review(
        scene["reporter"], scene["invitation"], level=1, tags=["slow"], comment="等了很久"
    )
    task = review.rectification
    officer = _session(hotline_world.district_officer)
    c.call(
        officer,
        "post",
        f"/hotline/rectifications/{task.pk}",
        {"response": "已增加窗口人员"},
        status=200,
    )
    c.call(officer, "post", "/hotline/rectifications/999999", {"response": "x"}, status=404)

    dispute = scene["dispute"]
    office_user = scene["office"]
    mediation.assign_mediator(office_user, dispute, mediator=scene["mediator"])
    mediator = _session(scene["mediator"])
    held = timezone.now().isoformat()
    base = f"/hotline/disputes/{dispute.ref}"
    c.call(
        mediator,
        "post",
        f"{base}/sessions",
        {"held_at": held, "place": "王阜乡调解室", "notes": "双方陈述"},
        status=201,
    )
    c.call(
        mediator,
        "post",
        "/hotline/disputes/D-0/sessions",
        {"held_at": held, "place": "x", "notes": "x"},
        status=404,
    )
    c.call(
        mediator, "post", f"{base}/follow-up", {"agreement_kept": True, "notes": "x"}, status=409
    )
    c.call(
        mediator,
        "post",
        f"{base}/outcome",
        {"agreed": True, "agreement": "围墙按原界线重砌，费用各半。"},
        status=200,
    )
    c.call(
        mediator,
        "post",
        "/hotline/disputes/D-0/outcome",
        {"agreed": True, "agreement": "x"},
        status=404,
    )
    c.call(
        mediator,
        "post",
        f"{base}/follow-up",
        {"agreement_kept": True, "notes": "已按协议重砌"},
        status=200,
    )
    # A dispute whose parties can be reached: one has an account (their mobile), the other
    # left a number.
    party_user = people.citizen(username="party")
    second = mediation.register_dispute(
        office_user,
        kind="land",
        summary="承包地界线争议。",
        parties=[
            mediation.Party(
                "applicant",
                "赵三",
                personal_data.decrypt(party_user.mobile_encrypted, context=MOBILE_CONTEXT),
            ),
            mediation.Party("respondent", "钱四", "13912345678"),
        ],
    )
    mediation.assign_mediator(office_user, second, mediator=scene["mediator"])
    unreachable = dispute.parties.first()
    assert unreachable is not None
    c.call(
        mediator,
        "post",
        f"{base}/messages",
        {"party": unreachable.pk, "text": "请来调解室"},
        status=400,
    )
    respondent = second.parties.get(role="respondent")
    c.call(
        mediator,
        "post",
        f"/hotline/disputes/{second.ref}/messages",
        {"party": respondent.pk, "text": "请于周五到乡调解室。"},
        status=201,
    )
    party = _session(party_user)
    c.call(party, "get", "/hotline/disputes", status=200)
    c.call(party, "get", f"/hotline/disputes/{second.ref}", status=200)
    c.call(
        party, "post", f"/hotline/disputes/{second.ref}/response", {"confirmed": True}, status=409
    )
    mediation.record_session(
        scene["mediator"], second, held_at=timezone.now(), place="乡调解室", notes="x"
    )
    mediation.record_outcome(scene["mediator"], second, agreed=True, agreement="按原界线。")
    c.call(
        party, "post", f"/hotline/disputes/{second.ref}/response", {"confirmed": True}, status=200
    )
    c.call(party, "post", f"{base}/response", {"confirmed": True}, status=404)


# ----- catalogue editing --------------------------------------------------------------------


def test_catalogue_editing_matches_the_document(contract: Contract, world: World) -> None:  # noqa: F811
    c = contract
    social_security = world["departments"]["330100-human_resources"]
    editor = _session(
        people.officer(social_security, roles=("catalogue_editor",), username="cat-editor")
    )
    approver = _session(
        people.officer(social_security, roles=("catalogue_approver",), username="cat-approver")
    )
    code = factories.SOCIAL_SECURITY_CARD
    c.call(ANONYMOUS, "get", f"/services/{code}/versions", status=200)
    c.call(ANONYMOUS, "get", "/services/NOPE/versions", status=404)
    c.call(ANONYMOUS, "get", "/catalogue/drafts", status=401, request_is_valid=False)
    definition = c.call(editor, "get", f"/catalogue/items/{code}/definition", status=200)
    c.call(editor, "get", f"/catalogue/items/{factories.COMPANY}/definition", status=404)
    c.call(
        editor,
        "post",
        "/catalogue/drafts",
        {"code": code, "reason": "", "definition": definition},
        status=400,
    )
    definition["guide"]["promised_days"] = 4
    draft = c.call(
        editor,
        "post",
        "/catalogue/drafts",
        {"code": code, "reason": "承诺时限压缩", "definition": definition},
        status=201,
    )
    c.call(editor, "get", "/catalogue/drafts", status=200)
    c.call(editor, "get", f"/catalogue/drafts/{draft['id']}", status=200)
    c.call(editor, "get", "/catalogue/drafts/999999", status=404)
    definition["guide"]["promised_days"] = 99
    c.call(
        editor,
        "put",
        f"/catalogue/drafts/{draft['id']}",
        {"reason": "x", "definition": definition},
        status=400,
    )
    definition["guide"]["promised_days"] = 3
    c.call(
        editor,
        "put",
        f"/catalogue/drafts/{draft['id']}",
        {"reason": "承诺时限压缩", "definition": definition},
        status=200,
    )
    c.call(approver, "post", f"/catalogue/drafts/{draft['id']}/publish", status=409)
    c.call(editor, "post", f"/catalogue/drafts/{draft['id']}/submit", status=200)
    c.call(editor, "post", f"/catalogue/drafts/{draft['id']}/submit", status=409)
    c.call(approver, "post", f"/catalogue/drafts/{draft['id']}/return", {"note": " "}, status=400)
    c.call(
        approver,
        "post",
        f"/catalogue/drafts/{draft['id']}/return",
        {"note": "请补充依据"},
        status=200,
    )
    c.call(editor, "post", f"/catalogue/drafts/{draft['id']}/submit", status=200)
    c.call(editor, "post", f"/catalogue/drafts/{draft['id']}/publish", status=403)
    published = c.call(approver, "post", f"/catalogue/drafts/{draft['id']}/publish", status=200)
    assert published == {"code": code, "version": 2}


# ----- alerts ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("django_capture_on_commit_callbacks")
def test_alert_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from tests.alerts import factories as alert_factories
    from tests.alerts.test_api import typhoon_body

    c = contract
    bureau = alert_factories.bureau(divisions)
    author = verified_client(alert_factories.author(bureau))
    approver = verified_client(alert_factories.approver(bureau))
    c.call(author, "post", "/alerts", typhoon_body(expires="2020-01-01T00:00:00+08:00"), status=422)
    ref = c.call(author, "post", "/alerts", typhoon_body(), status=201)["ref"]
    c.call(author, "post", f"/alerts/{ref}/approve", status=403)
    c.call(approver, "post", f"/alerts/{ref}/approve", status=200)
    c.call(approver, "post", "/alerts/A000000-00000000-0000/approve", status=404)
    c.call(ANONYMOUS, "get", "/alerts", status=200)
    c.call(ANONYMOUS, "get", "/alerts?division=999999", status=400)
    c.call(ANONYMOUS, "get", f"/alerts/{ref}", status=200)
    c.call(ANONYMOUS, "get", "/alerts/A000000-00000000-0000", status=404)
    c.call(author, "get", f"/alerts/{ref}/deliveries", status=200)
    c.call(ANONYMOUS, "get", f"/alerts/{ref}/deliveries", status=401, request_is_valid=False)


def test_health_code_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from onewindow.identity.models import Department, DepartmentKind

    c = contract
    health = Department.objects.create(
        code="330100-health",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )
    doctor = verified_client(people.officer(health, roles=("approver",), username="doctor"))
    person = people.citizen(divisions["village"])
    resident = Client()
    resident.force_login(person)
    c.call(resident, "get", "/health-code", status=404)
    c.call(resident, "post", "/health-code", status=200)
    c.call(resident, "get", "/health-code", status=200)
    c.call(ANONYMOUS, "post", "/health-code", status=401, request_is_valid=False)
    colour = {"id_number": person.plain_id_number(), "colour": "red", "reason": "密切接触者"}
    c.call(resident, "post", "/health-codes/colour", colour, status=403)
    c.call(doctor, "post", "/health-codes/colour", colour, status=200)
    c.call(doctor, "post", "/health-codes/colour", colour, status=400)
    c.call(doctor, "post", "/health-codes/colour", {**colour, "id_number": "1"}, status=404)


# ----- appointments and payments --------------------------------------------------------------


@pytest.mark.usefixtures("django_capture_on_commit_callbacks")
def test_appointment_and_payment_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from tests.appointments import factories as hall_factories

    c = contract
    hall = hall_factories.hall(divisions["district"])
    resident = people.citizen(divisions["community"])
    browser = _session(resident)
    clerk = verified_client(
        people.officer(
            hall_factories.department(divisions["district"]),
            roles=("window_clerk",),
            username="hall-clerk",
        )
    )
    c.call(ANONYMOUS, "get", "/halls", status=200)
    c.call(ANONYMOUS, "get", "/halls?level=galaxy", status=400)
    c.call(
        ANONYMOUS, "get", f"/halls/{hall.code}/slots?service_code={hall_factories.CARD}", status=200
    )
    c.call(ANONYMOUS, "get", "/halls/nowhere/slots", status=404)
    c.call(ANONYMOUS, "get", f"/halls/{hall.code}/queue", status=200)
    c.call(ANONYMOUS, "get", "/halls/nowhere/queue", status=404)
    slot = hall_factories.next_slot(hall)
    body = {"slot": slot.pk, "service_code": hall_factories.CARD}
    key = {"Idempotency-Key": "book-1"}
    c.call(browser, "post", "/appointments", body, status=400)  # no key
    c.call(browser, "post", "/appointments", {**body, "slot": 10**9}, headers=key, status=404)
    ref = c.call(browser, "post", "/appointments", body, headers=key, status=201)["ref"]
    c.call(
        browser, "post", "/appointments", body, headers={"Idempotency-Key": "book-2"}, status=409
    )
    c.call(browser, "get", "/appointments", status=200)
    c.call(ANONYMOUS, "get", "/appointments", status=401, request_is_valid=False)
    c.call(browser, "get", f"/appointments/{ref}", status=200)
    c.call(browser, "get", "/appointments/B0", status=404)
    pay = {"amount_fen": 2000}
    c.call(
        browser,
        "post",
        f"/appointments/{ref}/payment",
        {"amount_fen": 1},
        headers={"Idempotency-Key": "pay-0"},
        status=400,
    )
    payment = c.call(
        browser,
        "post",
        f"/appointments/{ref}/payment",
        pay,
        headers={"Idempotency-Key": "pay-1"},
        status=201,
    )
    c.call(browser, "get", "/payments", status=200)
    c.call(ANONYMOUS, "get", "/payments", status=401, request_is_valid=False)
    c.call(browser, "get", f"/payments/{payment['ref']}", status=200)
    c.call(browser, "get", "/payments/P0", status=404)
    c.call(browser, "get", f"/fees/{hall_factories.CARD}", status=200)
    c.call(browser, "get", f"/fees/{hall_factories.FREE}", status=404)
    later = hall_factories.next_slot(
        hall, after=slot.starts_at - timezone.now() + timedelta(minutes=1)
    )
    c.call(
        browser,
        "post",
        f"/appointments/{ref}/reschedule",
        {"slot": 10**9},
        headers={"Idempotency-Key": "move-0"},
        status=404,
    )
    moved = c.call(
        browser,
        "post",
        f"/appointments/{ref}/reschedule",
        {"slot": later.pk},
        headers={"Idempotency-Key": "move-1"},
        status=201,
    )["ref"]
    c.call(browser, "post", f"/appointments/{ref}/cancel", status=409)
    c.call(browser, "post", f"/appointments/{moved}/check-in", status=400)  # not the day yet
    c.call(browser, "post", f"/appointments/{moved}/cancel", status=200)
    today = hall_factories.booked_now(resident, hall)
    c.call(browser, "post", f"/appointments/{today.ref}/check-in", status=200)
    c.call(browser, "post", f"/appointments/{ref}/check-in", status=409)
    c.call(clerk, "post", f"/halls/{hall.code}/windows/1/call-next", status=200)
    c.call(clerk, "post", f"/halls/{hall.code}/windows/9/call-next", status=404)
    c.call(browser, "post", f"/halls/{hall.code}/windows/1/call-next", status=403)


@pytest.mark.usefixtures("django_capture_on_commit_callbacks")
def test_refund_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from tests.payments import factories as payment_factories
    from tests.payments.test_refunds import paid

    department = payment_factories.payee(divisions["city"])
    payment = paid(people.citizen(divisions["district"]), department)
    approver = verified_client(
        people.officer(department, roles=("approver",), username="refund-approver")
    )
    url = f"/payments/{payment.ref}/refunds"
    key = {"Idempotency-Key": "refund-1"}
    body = {"amount_fen": 300, "reason": "Charged twice"}
    contract.call(approver, "post", url, {**body, "amount_fen": 5000}, headers=key, status=400)
    contract.call(approver, "post", "/payments/P0/refunds", body, headers=key, status=404)
    contract.call(approver, "post", url, body, headers=key, status=201)
    contract.call(_session(payment.payer), "post", url, body, headers=key, status=403)


# ----- assistant ------------------------------------------------------------------------------


def test_assistant_operations_match_the_document(contract: Contract) -> None:
    from onewindow.catalog.seed import seed_catalog

    seed_catalog()
    c = contract
    answered = c.call(ANONYMOUS, "post", "/assistant/answers", {"question": "结婚登记"}, status=200)
    assert answered["outcome"] == "answered"
    c.call(ANONYMOUS, "post", "/assistant/answers", {"question": "我想去月球"}, status=200)
    c.call(ANONYMOUS, "post", "/assistant/answers", {"question": ""}, status=400)
    rating = f"/assistant/answers/{answered['token']}/rating"
    c.call(ANONYMOUS, "post", rating, {"useful": False}, status=200)
    c.call(ANONYMOUS, "post", "/assistant/answers/nothing/rating", {"useful": True}, status=404)
    c.call(ANONYMOUS, "post", "/assistant/answers", {}, status=422, request_is_valid=False)


# ----- insights -------------------------------------------------------------------------------


def test_insights_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from onewindow.insights import questionnaires
    from tests.identity.test_assisted_filing import verified_client
    from tests.insights import factories as insight_factories
    from tests.insights import history

    c = contract
    history.residents(divisions["village"], 6, random.Random(1), "rural")
    analyst_user = insight_factories.analyst(divisions["city"])
    questionnaire = insight_factories.standard_questionnaire(analyst_user)
    analyst = verified_client(analyst_user)
    citizen = Client()
    citizen.force_login(history.residents(divisions["community"], 1, random.Random(2), "urban")[0])
    kept = c.call(
        analyst,
        "post",
        "/insights/questionnaires",
        {"title_zh": "问卷", "title_en": "Survey", "questions": questionnaires.STANDARD},
        status=201,
    )
    assert kept["ref"].startswith("Q-")
    cycle = [dict(q) for q in questionnaires.STANDARD]
    cycle[0] = {**cycle[0], "show_if": {"key": "ease_find", "equals": "3"}}
    refused = c.call(
        analyst,
        "post",
        "/insights/questionnaires",
        {"title_zh": "问卷", "title_en": "Survey", "questions": cycle},
        status=400,
    )
    assert "used_online → ease_find → used_online" in refused["detail"]
    c.call(ANONYMOUS, "get", "/insights/indicators", status=200)
    c.call(ANONYMOUS, "get", "/insights/indicators/online-share?division=330127", status=200)
    c.call(ANONYMOUS, "get", "/insights/indicators/no-such", status=404)
    c.call(ANONYMOUS, "get", "/insights/indicators/agent-share", status=401)
    c.call(citizen, "get", "/insights/indicators/agent-share", status=403)
    c.call(analyst, "get", "/insights/indicators/agent-share", status=200)
    study = {
        "title_zh": "调查",
        "title_en": "Survey",
        "questionnaire": questionnaire.ref,
        "counties": ["330127"],
        "sample_size": 99,
        "seed": 1,
    }
    c.call(analyst, "post", "/insights/studies", study, status=400)
    c.call(citizen, "post", "/insights/studies", {**study, "sample_size": 3}, status=403)
    ref = c.call(analyst, "post", "/insights/studies", {**study, "sample_size": 3}, status=201)[
        "ref"
    ]
    c.call(analyst, "post", f"/insights/studies/{ref}/publish", status=409)  # nobody answered
    from onewindow.insights import services
    from onewindow.insights.models import SampleMember

    member = SampleMember.objects.filter(study__ref=ref).first()
    assert member is not None
    services.answer(
        member.resident, member, {"used_online": "no", "satisfaction": "4", "visits": "1"}
    )
    c.call(analyst, "post", f"/insights/studies/{ref}/publish", status=200)
    c.call(analyst, "post", "/insights/studies/S-0000-0000/publish", status=404)
    c.call(ANONYMOUS, "get", f"/insights/reports/{ref}", status=200)
    c.call(ANONYMOUS, "get", "/insights/reports/S-0000-0000", status=404)


@pytest.mark.usefixtures("django_capture_on_commit_callbacks")
def test_tax_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from onewindow.identity.models import Department, DepartmentKind

    c = contract
    Department.objects.create(
        code="330100-TAX",
        name_zh="国家税务总局杭州市税务局",
        name_en="Hangzhou Tax Bureau",
        kind=DepartmentKind.TAXATION,
        division=divisions["city"],
    )
    browser = _session(people.citizen(divisions["community"]))
    c.call(ANONYMOUS, "get", "/tax-rules/2025", status=200)
    c.call(ANONYMOUS, "get", "/tax-rules/2018", status=404)
    due = {
        "tax_year": 2025,
        "income": {"wages_fen": 30_000_000, "withheld_fen": 2_000_000},
        "deductions": {"social_insurance_fen": 4_000_000},
    }
    c.call(
        browser,
        "post",
        "/tax-returns",
        {**due, "tax_year": 2018},
        headers={"Idempotency-Key": "t0"},
        status=400,
    )
    ref = c.call(
        browser, "post", "/tax-returns", due, headers={"Idempotency-Key": "t1"}, status=201
    )["ref"]
    c.call(browser, "get", "/tax-returns", status=200)
    c.call(ANONYMOUS, "get", "/tax-returns", status=401, request_is_valid=False)
    c.call(browser, "get", f"/tax-returns/{ref}", status=200)
    c.call(browser, "get", "/tax-returns/T0", status=404)
    balance = c.call(browser, "get", f"/tax-returns/{ref}", status=200)["balance_fen"]
    c.call(
        browser,
        "post",
        f"/tax-returns/{ref}/payment",
        {"amount_fen": balance},
        headers={"Idempotency-Key": "p1"},
        status=201,
    )
    c.call(
        browser,
        "post",
        "/tax-returns/T0/payment",
        {"amount_fen": 1},
        headers={"Idempotency-Key": "p2"},
        status=404,
    )


# ----- rural e-commerce -------------------------------------------------------------------------


@pytest.mark.usefixtures("django_capture_on_commit_callbacks")
def test_rural_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from onewindow.rural import signing
    from tests.rural import factories as rural

    c = contract
    rural.agriculture(divisions["city"])
    farmer = people.citizen(divisions["village"])
    browser = _session(farmer)
    producer = {
        "kind": "household",
        "name": "王家茶园",
        "village": divisions["village"].code,
        "land_mu": "6.5",
        "main_products": "茶叶",
    }
    c.call(
        browser,
        "post",
        "/rural/producers",
        {**producer, "village": divisions["community"].code},
        headers={"Idempotency-Key": "r0"},
        status=400,
    )
    ref = c.call(
        browser, "post", "/rural/producers", producer, headers={"Idempotency-Key": "r1"}, status=201
    )["ref"]
    product = {
        "product": "高山茶",
        "category": "tea",
        "quantity": 10,
        "unit": "jin",
        "price_fen": 12_800,
        "harvest_date": timezone.now().date().isoformat(),
    }
    c.call(
        browser,
        "post",
        f"/rural/producers/{ref}/listings",
        product,
        headers={"Idempotency-Key": "l0"},
        status=400,  # no compliance certificate
    )
    listing = c.call(
        browser,
        "post",
        f"/rural/producers/{ref}/listings",
        {**product, "certificates": ["produce_compliance"]},
        headers={"Idempotency-Key": "l1"},
        status=201,
    )["ref"]
    c.call(ANONYMOUS, "get", "/rural/listings?village=330127&season=autumn", status=200)
    c.call(ANONYMOUS, "get", "/rural/listings?cursor=x", status=422, request_is_valid=False)
    c.call(ANONYMOUS, "get", f"/rural/listings/{listing}", status=200)
    c.call(ANONYMOUS, "get", "/rural/listings/L0", status=404)
    c.call(ANONYMOUS, "get", f"/rural/producers/{ref}", status=200)
    c.call(ANONYMOUS, "get", "/rural/producers/P0", status=404)
    _partner, key = rural.partner()
    c.call(ANONYMOUS, "get", "/rural/feed", status=401, request_is_valid=False)
    c.call(browser, "get", "/rural/feed?cursor=0", headers={"X-Api-Key": key}, status=200)
    order = {
        "order_id": "O-1",
        "listing": listing,
        "quantity": 2,
        "unit": "jin",
        "unit_price_fen": 12_800,
    }

    def signed(body: dict[str, Any], idempotency_key: str) -> dict[str, str]:
        raw = json.dumps(body).encode()
        return {
            "X-Api-Key": key,
            "Idempotency-Key": idempotency_key,
            signing.SIGNATURE_HEADER: signing.sign(key.split(".", 1)[1], raw, at=timezone.now()),
        }

    c.call(ANONYMOUS, "post", "/rural/orders", order, headers=signed(order, "o1"), status=201)
    c.call(ANONYMOUS, "post", "/rural/orders", order, headers=signed(order, "o2"), status=200)
    more = {**order, "order_id": "O-2", "quantity": 99}
    c.call(ANONYMOUS, "post", "/rural/orders", more, headers=signed(more, "o3"), status=409)
    c.call(
        ANONYMOUS,
        "post",
        "/rural/orders",
        {**order, "order_id": "O-3"},
        headers=signed(order, "o4"),  # another body's signature
        status=401,
    )


# ----- open data -------------------------------------------------------------------------------


def test_open_data_matches_the_document(contract: Contract, divisions: dict[str, Division]) -> None:
    from onewindow.transparency import services as open_data
    from onewindow.transparency.models import Source
    from tests.transparency import factories as open_data_factories

    c = contract
    bureau = open_data_factories.bureau(divisions)
    publisher = _session(open_data_factories.publisher(bureau))
    open_data_factories.fixed_dataset(open_data_factories.publisher(bureau), bureau)
    open_data.define_dataset(
        None,
        open_data.DatasetDefinition(
            name="too-fine",
            title_zh="过细",
            title_en="Too fine",
            organization=bureau,
            source=Source.FIXED,
            parameters={"rows": [{"street": f"s{n}"} for n in range(20)], "is_personal": True},
            quasi_identifiers=("street",),
            k=5,
        ),
    )
    c.call(ANONYMOUS, "get", "/open-data/datasets/school-places", status=200)
    c.call(ANONYMOUS, "get", "/open-data/datasets/no-such-dataset", status=404)
    c.call(
        ANONYMOUS,
        "post",
        "/open-data/datasets/school-places/releases",
        status=401,
        request_is_valid=False,
    )
    released = c.call(publisher, "post", "/open-data/datasets/school-places/releases", status=201)
    assert released["version"] == 2
    refused = c.call(publisher, "post", "/open-data/datasets/too-fine/releases", status=422)
    assert refused["errors"][0]["field"] == "street"
    c.call(publisher, "post", "/open-data/datasets/no-such-dataset/releases", status=404)


def test_supervision_matches_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from onewindow.supervision.models import Inspection
    from tests.supervision import factories as supervision

    c = contract
    w = supervision.world(divisions)
    supervisor = _session(w["supervisor"])
    values = supervision.plan_input()
    body = {
        "title": values.title,
        "item_codes": values.item_codes,
        "department_codes": values.department_codes,
        "industry_codes": values.industry_codes,
        "division_codes": values.division_codes,
        "licence_types": values.licence_types,
        "sample_size": 2,
        "period_start": values.period_start.isoformat(),
        "period_end": values.period_end.isoformat(),
    }
    c.call(ANONYMOUS, "post", "/supervision/plans", body, status=401, request_is_valid=False)
    c.call(supervisor, "post", "/supervision/plans", {**body, "sample_size": 0}, status=400)
    ref = c.call(supervisor, "post", "/supervision/plans", body, status=201)["ref"]
    c.call(ANONYMOUS, "get", f"/supervision/plans/{ref}", status=404)
    c.call(ANONYMOUS, "get", f"/supervision/plans/{ref}/population", status=404)
    c.call(supervisor, "post", f"/supervision/plans/{ref}/draw", status=400)
    c.call(supervisor, "post", f"/supervision/plans/{ref}/fix", status=200)
    c.call(supervisor, "post", f"/supervision/plans/{ref}/fix", status=409)
    drawn = c.call(supervisor, "post", f"/supervision/plans/{ref}/draw", status=200)
    assert len(drawn["draw"]["visits"]) == 2
    c.call(supervisor, "post", f"/supervision/plans/{ref}/draw", status=409)
    assert c.call(ANONYMOUS, "get", "/supervision/plans", status=200)[0]["ref"] == ref
    c.call(ANONYMOUS, "get", "/supervision/plans?limit=0", status=422, request_is_valid=False)
    c.call(ANONYMOUS, "get", f"/supervision/plans/{ref}", status=200)
    c.call(ANONYMOUS, "get", f"/supervision/plans/{ref}/population", status=200)
    visit = Inspection.objects.filter(plan__ref=ref).order_by("position").first()
    assert visit is not None
    inspector = _session(visit.inspectors.first().user)  # type: ignore[union-attr]
    check = visit.items.first().checklist.first().pk  # type: ignore[union-attr]
    finding = {"description": "健康证过期", "severity": "minor"}
    c.call(inspector, "post", f"/supervision/inspections/{visit.ref}/findings", finding, status=400)
    made = c.call(
        inspector,
        "post",
        f"/supervision/inspections/{visit.ref}/findings",
        {**finding, "checklist_item": check},
        status=201,
    )
    penalty = {
        "finding_ids": [made["id"]],
        "decision_number": "杭市监罚〔2026〕7号",
        "violation": "未取得健康证明",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十六条",
        "fine_fen": 100000,
        "decided_on": timezone.localdate().isoformat(),
    }
    c.call(
        supervisor, "post", f"/supervision/inspections/{visit.ref}/penalties", penalty, status=409
    )
    from onewindow.supervision import inspections

    user = visit.inspectors.first().user  # type: ignore[union-attr]
    checks = list(visit.items.first().checklist.values_list("pk", flat=True))  # type: ignore[union-attr]
    inspections.record_checks(user, visit, dict.fromkeys(checks, "passed"))
    inspections.complete_inspection(user, visit, mode="on_site", signed=True, signatory="张三")
    supervision.credit_platform_ready(w)
    decided = c.call(
        supervisor, "post", f"/supervision/inspections/{visit.ref}/penalties", penalty, status=201
    )
    assert decided["decision_number"] == penalty["decision_number"]
    order_url = f"/supervision/inspections/{visit.ref}/findings/{made['id']}/rectification"
    c.call(inspector, "post", order_url, {"working_days": 0}, status=400)
    c.call(inspector, "post", order_url, {"working_days": 10}, status=201)
    c.call(inspector, "post", order_url, {"working_days": 10}, status=409)
    c.call(
        inspector,
        "post",
        f"/supervision/inspections/{visit.ref}/findings/999999/rectification",
        {"working_days": 10},
        status=404,
    )

    from onewindow.identity.models import Role

    agent_user = hotline_factories.officer(
        w["departments"]["330100-hotline"], Role.HOTLINE_AGENT, username="hotline-agent"
    )
    hotline_agent = _session(agent_user)
    case = hotline_factories.call(divisions["street"], agent=agent_user)
    # A business the draw left alone: an inspector who inspected it last time has a conflict,
    # and which businesses the draw picks depends on the ledger checkpoint (it varies by run).
    from onewindow.supervision.models import DeclaredRelation, Inspection

    business = next(
        b
        for b in w["businesses"]
        if not Inspection.objects.filter(business=b).exists()
        and not DeclaredRelation.objects.filter(business=b).exists()
    )
    link = {"case_ref": case.ref, "credit_code": business.credit_code}
    c.call(
        hotline_agent, "post", "/supervision/case-links", {**link, "credit_code": "X"}, status=404
    )
    linked = c.call(hotline_agent, "post", "/supervision/case-links", link, status=201)
    c.call(hotline_agent, "post", "/supervision/case-links", link, status=409)
    opening = {
        "item_codes": [supervision.FOOD_ITEM],
        "certificate_numbers": [i.certificate_number for i in w["inspectors"][2:4]],
    }
    open_url = f"/supervision/case-links/{linked['id']}/inspections"
    c.call(supervisor, "post", open_url, {**opening, "item_codes": ["NOPE"]}, status=400)
    opened = c.call(supervisor, "post", open_url, opening, status=201)
    assert opened["inspection"]
    c.call(supervisor, "post", open_url, opening, status=409)
    item = {
        "code": "SC-HYG-02",
        "name_zh": "游泳场所卫生检查",
        "name_en": "Hygiene of swimming pools",
        "legal_basis": "《公共场所卫生管理条例》第三条",
        "checks": [{"zh": "水质检测合格", "en": "Water quality tested"}],
    }
    c.call(supervisor, "post", "/supervision/items", {**item, "checks": []}, status=400)
    c.call(supervisor, "post", "/supervision/items", item, status=201)
    c.call(ANONYMOUS, "get", "/supervision/items", status=200)
    c.call(ANONYMOUS, "get", "/supervision/items?limit=0", status=422, request_is_valid=False)
    relation = {"credit_code": business.credit_code, "relation": "亲属经营"}
    relations = "/supervision/relations"
    c.call(inspector, "post", relations, {**relation, "credit_code": "X"}, status=404)
    c.call(inspector, "post", relations, relation, status=201)


def test_city_operations_match_the_document(
    contract: Contract, divisions: dict[str, Division]
) -> None:
    from django.utils import timezone

    from onewindow.cityops import services as city
    from tests.cityops import factories as city_factories

    c = contract
    made = city_factories.city(divisions, sensors=1)
    operator = _session(made.operator)
    emergency = _session(made.officers["emergency"])
    transport = _session(made.officers["transport"])
    _key, key = city.issue_ingest_key(made.operator, name="gateway")  # type: ignore[arg-type]
    when = timezone.now().isoformat()
    reading = {"sensor": "water-00", "value": 3.4, "unit": "m", "measured_at": when}
    c.call(
        ANONYMOUS,
        "post",
        "/city/readings",
        {"readings": [reading]},
        status=401,
        request_is_valid=False,
    )
    taken = c.call(
        Client(),
        "post",
        "/city/readings",
        {"readings": [reading]},
        status=202,
        headers={"X-Ingest-Key": key},
    )
    ref = taken["events"][0]
    c.call(operator, "get", "/city/events", status=200)
    c.call(operator, "get", "/city/events?state=bogus", status=400)
    c.call(operator, "get", f"/city/events/{ref}", status=200)
    c.call(transport, "get", f"/city/events/{ref}", status=404)
    c.call(operator, "get", "/city/dashboard", status=200)
    c.call(operator, "get", "/city/dashboard?division=999999", status=400)
    c.call(operator, "get", "/city/sensors", status=200)
    c.call(emergency, "get", "/city/sensors", status=403)
    c.call(operator, "get", "/city/rejected", status=200)
    c.call(emergency, "get", "/city/rejected", status=403)
    sensor = {
        "ref": "air-77",
        "kind": "air_quality",
        "division": "330106001001",
        "place": "x",
        "latitude": 30.2,
        "longitude": 120.1,
    }
    c.call(operator, "post", "/city/sensors", sensor, status=201)
    c.call(operator, "post", "/city/ingest-keys", {"name": "西湖网关"}, status=201)
    c.call(emergency, "post", "/city/ingest-keys", {"name": "x"}, status=403)
    c.call(operator, "post", "/city/sensors", sensor, status=409)
    c.call(
        operator,
        "post",
        f"/city/events/{ref}/dispatch",
        {"departments": [made.departments["transport"].code]},
        status=409,
    )
    c.call(emergency, "post", f"/city/events/{ref}/return", {"reason": "不是我们的"}, status=200)
    c.call(emergency, "post", f"/city/events/{ref}/return", {"reason": "不是我们的"}, status=404)
    c.call(
        operator,
        "post",
        f"/city/events/{ref}/dispatch",
        {"departments": [made.departments["emergency"].code]},
        status=200,
    )
    c.call(
        operator,
        "post",
        f"/city/events/{ref}/partners",
        {"department": made.departments["transport"].code},
        status=200,
    )
    c.call(
        operator,
        "post",
        f"/city/events/{ref}/partners",
        {"department": made.departments["transport"].code},
        status=409,
    )
    c.call(emergency, "post", f"/city/events/{ref}/escalate", {"reason": "x"}, status=403)
    c.call(operator, "post", f"/city/events/{ref}/escalate", {"reason": "超时"}, status=200)
    c.call(emergency, "post", f"/city/events/{ref}/accept", status=200)
    c.call(emergency, "post", f"/city/events/{ref}/accept", status=409)
    c.call(emergency, "post", f"/city/events/{ref}/progress", {"note": " "}, status=400)
    c.call(emergency, "post", f"/city/events/{ref}/progress", {"note": "抽排中"}, status=200)
    c.call(emergency, "post", f"/city/events/{ref}/close", {"evidence": ""}, status=400)
    c.call(emergency, "post", f"/city/events/{ref}/close", {"evidence": "已排除"}, status=200)


# ----- coverage ------------------------------------------------------------------------------


def test_every_documented_operation_was_exercised_with_a_success_and_an_error(
    contract: Contract,
) -> None:
    documented = {
        (method, path)
        for path, operations in contract.document["paths"].items()
        for method in operations
    }
    unexercised = sorted(documented - set(contract.statuses))
    if len(contract.statuses) < 10:
        pytest.skip("run the whole module: this checks what the tests above exercised")
    assert unexercised == []
    without_success = sorted(
        key for key, seen in contract.statuses.items() if not any(s < 300 for s in seen)
    )
    without_error = sorted(
        key
        for key, seen in contract.statuses.items()
        if not any(s >= 400 for s in seen) and key not in ALWAYS_ANSWERED
    )
    assert without_success == []
    assert without_error == []

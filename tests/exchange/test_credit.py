"""Business credit profiles: compiled through the signed exchange from several departments,
a public part for everyone, the whole profile for the business, and credit repair."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, TypedDict
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications import services as application_services
from onewindow.applications.models import Application, ApplicationStatus
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.exchange import services as exchange
from onewindow.exchange.credit import services as credit
from onewindow.exchange.models import (
    AccessGrant,
    CreditEntry,
    CreditProfile,
    CreditRepair,
    DataService,
    ExchangeMessage,
)
from onewindow.exchange.seed import seed_data_services
from onewindow.identity import services as identity
from onewindow.identity.models import Business, Department, User
from onewindow.ledger.models import LedgerEntry
from tests.applications import factories
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db

API = "/api/v1"
LICENCE = "JY13301060123456"
SAFETY_PENALTY = "杭应急罚〔2025〕18号"  # work safety, 14 months old: repairable
RECENT_PENALTY = "杭环罚〔2026〕231号"  # environment, a month old: too recent to repair
OLD_PENALTY = "杭环罚〔2023〕47号"  # environment, 40 months old: publicity over


def _months_ago(months: int) -> date:
    return credit.add_months(timezone.localdate(), -months)


def _penalty(number: str, decided_on: date, category: str, fine_yuan: int) -> dict[str, Any]:
    return {
        "decision_number": number,
        "decided_on": decided_on.isoformat(),
        "authority": "杭州市应急管理局" if category == "safety" else "杭州市生态环境局",
        "violation": "未按规定对从业人员进行安全生产教育和培训",
        "penalty_type": "罚款",
        "legal_basis": "《中华人民共和国安全生产法》第九十七条",
        "fine_fen": fine_yuan * 100,
        "publicity_category": category,
        "publicity_ends_on": credit.add_months(decided_on, 36).isoformat(),
    }


def _load(code: str, credit_code: str, data: dict[str, Any]) -> None:
    exchange.load_records(DataService.objects.get(code=code), [(credit_code, data)])


class World(TypedDict):
    departments: dict[str, Department]
    versions: dict[str, ServiceItemVersion]
    divisions: dict[str, Division]
    owner: User
    business: Business
    code: str
    platform: Department


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    seed_data_services()
    platform = departments["330100-development_reform"]
    requester = factories.officer(platform)
    for code in (credit.REGISTRATION_SERVICE, *(s.service_code for s in credit.SOURCES)):
        service = DataService.objects.get(code=code)
        steward = factories.officer(service.provider, "data_steward")
        grant = exchange.request_grant(
            requester, service, purpose=credit.CREDIT_PURPOSE, fields=service.field_names
        )
        exchange.approve_grant(
            steward,
            grant,
            fields=service.field_names,
            expires_at=timezone.now() + timedelta(days=30),
        )
    owner = citizen(divisions["community"], username="owner")
    business = identity.register_business(
        owner,
        credit_code=generate_credit_code(random.Random(58), division_code="330106"),
        name="杭州西溪味道餐饮管理有限公司",
        division=divisions["district"],
    )
    code = business.credit_code
    _load(
        credit.REGISTRATION_SERVICE,
        code,
        {
            "name": business.name,
            "legal_representative": "王小明",
            "registered_on": "2021-03-15",
            "status": "存续",
            "registration_authority": "杭州市西湖区市场监督管理局",
        },
    )
    _load(
        "market_supervision.administrative_licences",
        code,
        {
            "licences": [
                {
                    "licence_number": LICENCE,
                    "title": "食品经营许可证",
                    "decided_on": _months_ago(30).isoformat(),
                    "valid_until": credit.add_months(timezone.localdate(), 30).isoformat(),
                    "authority": "杭州市西湖区市场监督管理局",
                    "content": "热食类食品制售",
                    "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                }
            ]
        },
    )
    _load(
        "emergency.administrative_penalties",
        code,
        {"penalties": [_penalty(SAFETY_PENALTY, _months_ago(14), "safety", 20000)]},
    )
    _load(
        "ecology.administrative_penalties",
        code,
        {
            "penalties": [
                _penalty(RECENT_PENALTY, timezone.localdate() - timedelta(days=30), "general", 1),
                _penalty(OLD_PENALTY, _months_ago(40), "general", 5000),
            ]
        },
    )
    return {
        "departments": departments,
        "versions": versions,
        "divisions": divisions,
        "owner": owner,
        "business": business,
        "code": code,
        "platform": platform,
    }


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_page_shows_a_penalty_from_one_department_and_a_licence_from_another(
    world: World, client: Client
) -> None:
    credit.refresh_profile(world["code"])

    page = client.get(f"/exchange/credit/{world['code']}/")
    api = client.get(f"{API}/credit/{world['code']}").json()

    assert page.status_code == 200
    text = page.content.decode()
    assert LICENCE in text
    assert SAFETY_PENALTY in text
    assert "杭州西溪味道餐饮管理有限公司" in text
    assert "王小明" in text
    assert [entry["reported_by"] for entry in api["licences"]] == ["330100-market_supervision"]
    assert {entry["reported_by"] for entry in api["penalties"]} == {
        "330100-emergency",
        "330100-ecology",
    }
    safety = next(e for e in api["penalties"] if e["reference"] == SAFETY_PENALTY)
    assert safety["details"]["fine_fen"] == 2_000_000
    assert safety["publicity_ends_on"] == credit.add_months(_months_ago(14), 36).isoformat()
    assert api["legal_representative"] == "王小明"


def test_every_read_for_a_profile_is_a_signed_logged_exchange(world: World) -> None:
    profile = credit.refresh_profile(world["code"])

    messages = ExchangeMessage.objects.filter(consumer=world["platform"])
    assert messages.count() == 1 + len(credit.SOURCES)
    assert {m.subject_business_id for m in messages} == {world["business"].pk}
    assert len({m.case_ref for m in messages}) == 1  # one refresh, one reference
    assert all(m.purpose == credit.CREDIT_PURPOSE for m in messages)
    assert profile.ledger_index is not None
    assert LedgerEntry.objects.filter(
        index=profile.ledger_index, event_type="credit.profile_refreshed"
    ).exists()


def test_a_penalty_leaves_the_public_view_when_its_publicity_period_ends(
    world: World, client: Client
) -> None:
    credit.refresh_profile(world["code"])

    public = client.get(f"{API}/credit/{world['code']}").json()
    assert OLD_PENALTY not in {e["reference"] for e in public["penalties"]}
    assert OLD_PENALTY not in client.get(f"/exchange/credit/{world['code']}/").content.decode()
    later = timezone.now() + timedelta(days=3 * 366)
    with mock.patch("django.utils.timezone.now", return_value=later):
        after = client.get(f"{API}/credit/{world['code']}").json()
    assert after["penalties"] == []
    assert [e["reference"] for e in after["licences"]] == [LICENCE]


def test_the_owner_sees_penalties_whose_publicity_ended_and_nobody_else_does(world: World) -> None:
    credit.refresh_profile(world["code"])
    stranger = citizen(world["divisions"]["community"], username="stranger")

    own = _signed_in(world["owner"]).get(f"/exchange/credit/{world['code']}/own/")
    strangers = _signed_in(stranger).get(f"/exchange/credit/{world['code']}/own/")
    anonymous = Client().get(f"/exchange/credit/{world['code']}/own/")
    stranger_refresh = _signed_in(stranger).post(f"/exchange/credit/{world['code']}/refresh/")

    assert own.status_code == 200
    assert OLD_PENALTY in own.content.decode()
    assert strangers.status_code == 404
    assert OLD_PENALTY not in strangers.content.decode()
    assert anonymous.status_code == 302
    assert "/account/sign-in/" in anonymous["Location"]
    assert stranger_refresh.status_code == 404
    assert ExchangeMessage.objects.filter(actor="stranger").count() == 0
    public_as_stranger = _signed_in(stranger).get(f"/exchange/credit/{world['code']}/")
    assert OLD_PENALTY not in public_as_stranger.content.decode()
    assert "/own/" not in public_as_stranger.content.decode()


def test_the_owner_refreshes_on_demand_and_the_call_names_them(world: World) -> None:
    response = _signed_in(world["owner"]).post(f"/exchange/credit/{world['code']}/refresh/")

    assert response.status_code == 302
    assert response["Location"] == f"/exchange/credit/{world['code']}/own/"
    assert CreditProfile.objects.get(credit_code=world["code"]).refreshed_by == "owner"
    assert ExchangeMessage.objects.filter(actor="owner").count() == 1 + len(credit.SOURCES)


def test_an_unknown_code_is_404_without_telling_anything(world: World, client: Client) -> None:
    credit.refresh_profile(world["code"])
    registered_but_not_compiled = identity.register_business(
        world["owner"],
        credit_code=generate_credit_code(random.Random(9), division_code="330106"),
        name="杭州另一家有限公司",
        division=world["divisions"]["district"],
    )

    answers = [
        client.get(f"{API}/credit/{code}")
        for code in ("91330106MA2XXXXXXX", "nonsense", registered_but_not_compiled.credit_code)
    ]

    assert {a.status_code for a in answers} == {404}
    assert {a["Content-Type"] for a in answers} == {"application/problem+json"}
    assert len({a.json()["title"] for a in answers}) == 1
    assert "杭州另一家" not in answers[2].content.decode()
    assert client.get("/exchange/credit/91330106MA2XXXXXXX/").status_code == 404
    with pytest.raises(DomainError):
        credit.refresh_profile("91330106MA2XXXXXXX")  # market supervision has no record


def test_search_finds_a_business_by_name_or_code(world: World, client: Client) -> None:
    credit.refresh_profile(world["code"])

    by_name = client.get("/exchange/credit/", {"q": "西溪味道"}).content.decode()
    by_code = client.get(f"{API}/credit", {"q": world["code"].lower()}).json()

    assert f"/exchange/credit/{world['code']}/" in by_name
    assert by_code == [{"credit_code": world["code"], "name": "杭州西溪味道餐饮管理有限公司"}]


def test_a_refusing_source_keeps_what_it_said_before(world: World) -> None:
    credit.refresh_profile(world["code"])
    grant = AccessGrant.objects.get(
        service__code="emergency.administrative_penalties", status="approved"
    )
    steward = grant.service.provider.officers.get(roles__role="data_steward")
    exchange.revoke_grant(steward, grant)

    profile = credit.refresh_profile(world["code"])

    assert profile.sources["emergency.administrative_penalties"].startswith("refused")
    assert CreditEntry.objects.filter(profile=profile, reference=SAFETY_PENALTY).exists()


def _repair(world: World, number: str) -> Application:
    return factories.file(
        world["owner"],
        world["versions"][credit.REPAIR_SERVICE_ITEM],
        {"decision_number": number, "correction_summary": "已缴纳罚款并完成全员安全生产培训。"},
        business=world["business"],
    )


def test_credit_repair_ends_a_penalty_publicity_and_keeps_the_history(
    world: World, client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    credit.refresh_profile(world["code"])
    application = _repair(world, SAFETY_PENALTY)

    with django_capture_on_commit_callbacks(execute=True):
        acceptance = application.steps.get(key="acceptance")
        reviewer = factories.officer(acceptance.department, "reviewer")
        acceptance = application_services.claim_step(
            reviewer, acceptance, version=acceptance.version
        )
        application_services.approve_step(reviewer, acceptance, version=acceptance.version)
        decision = application.steps.get(key="decision")
        approver = factories.officer(decision.department, "approver")
        decision = application_services.claim_step(approver, decision, version=decision.version)
        application_services.approve_step(approver, decision, version=decision.version)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert decision.department == world["platform"]
    repair = CreditRepair.objects.get(entry__reference=SAFETY_PENALTY)
    assert repair.application_ref == application.ref
    assert repair.ledger_index is not None
    assert LedgerEntry.objects.filter(
        index=repair.ledger_index, event_type="credit.publicity_ended"
    ).exists()
    public = client.get(f"{API}/credit/{world['code']}").json()
    assert SAFETY_PENALTY not in {e["reference"] for e in public["penalties"]}
    own = _signed_in(world["owner"]).get(f"/exchange/credit/{world['code']}/own/").content.decode()
    assert SAFETY_PENALTY in own
    assert application.ref in own
    credit.refresh_profile(world["code"])  # the department still reports it: repair holds
    assert SAFETY_PENALTY not in {
        e["reference"] for e in client.get(f"{API}/credit/{world['code']}").json()["penalties"]
    }


def test_repair_before_the_minimum_publicity_period_is_refused_on_the_field(world: World) -> None:
    credit.refresh_profile(world["code"])
    minimum = credit.add_months(timezone.localdate() - timedelta(days=30), 3)

    with pytest.raises(DomainError) as refused:
        _repair(world, RECENT_PENALTY)

    errors = refused.value.params["errors"]
    assert set(errors) == {"decision_number"}
    assert minimum.isoformat() in errors["decision_number"]
    with pytest.raises(DomainError) as unknown:
        _repair(world, OLD_PENALTY)  # publicity already over: nothing to repair, nothing told
    assert "No administrative penalty" in unknown.value.params["errors"]["decision_number"]


def test_repair_of_another_business_penalty_changes_nothing(world: World) -> None:
    credit.refresh_profile(world["code"])
    other = identity.register_business(
        world["owner"],
        credit_code=generate_credit_code(random.Random(11), division_code="330106"),
        name="杭州另一家有限公司",
        division=world["divisions"]["district"],
    )

    with pytest.raises(DomainError, match="another business"):
        credit.end_penalty_publicity(SAFETY_PENALTY, business=other, application_ref="x")
    assert not CreditRepair.objects.exists()


@pytest.mark.parametrize(
    ("category", "minimum"), [("general", date(2025, 4, 30)), ("safety", date(2026, 1, 31))]
)
def test_publicity_periods_follow_the_rules_as_data(category: str, minimum: date) -> None:
    decided = date(2025, 1, 31)

    first_repair_day, end = credit.publicity_dates(decided, category=category, stated_end=None)
    _min, capped = credit.publicity_dates(decided, category=category, stated_end=date(2030, 1, 1))
    _min, floored = credit.publicity_dates(decided, category=category, stated_end=date(2025, 2, 1))

    assert first_repair_day == minimum
    assert end == capped == date(2028, 1, 31)  # three years at most
    assert floored == first_repair_day  # never shorter than the minimum

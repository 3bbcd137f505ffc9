"""The hotline's JSON API: an authorisation matrix per endpoint (anonymous, someone without
the right, the right person), and the flows that pages share."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.grievances import mediation, reviews, services
from onewindow.grievances.models import Case, CaseStatus, Dispute, MergeProposal
from onewindow.identity.models import Department, DepartmentKind, Role
from tests.grievances import factories
from tests.identity.factories import citizen, resident_id
from tests.identity.test_assisted_filing import verified_client


def _client(user: Any) -> Client:
    if user is None:
        return Client()
    if user.is_officer:
        return verified_client(user)
    client = Client()
    client.force_login(user)
    return client


def _call(user: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    client = _client(user)
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def scene(divisions: dict[str, Any]) -> dict[str, Any]:
    world = factories.world(divisions)
    reporter = citizen(
        divisions["community"], username="reporter", id_number=resident_id(date(1971, 3, 9))
    )
    stranger = citizen(
        divisions["community"], username="stranger", id_number=resident_id(date(1992, 8, 21))
    )
    answered = factories.online(reporter, divisions["community"])
    services.answer_case(world.district_officer, answered, reply="已修。")
    open_case = factories.call(
        divisions["community"], factories.STREET_LIGHT_AGAIN, phone="13900005555"
    )
    unsure = factories.call(
        divisions["community"], "你好，我想问一下这个事情应该找谁。", phone="13900006666"
    )
    housing = world.departments["330100-housing"]
    contested = factories.call(
        divisions["village"], "村口路灯不亮了，晚上看不见路，请修理。", phone="13900007777"
    )
    assert contested.department is not None
    transfer = services.transfer_case(
        factories.officer(contested.department), contested, to=housing, reason="物业"
    )
    housing_officer = factories.officer(housing, username="housing")
    services.contest_transfer(housing_officer, contested, reason="不归我们")
    township = Department.objects.create(
        code="330127201-TWP",
        name_zh="王阜乡人民政府",
        name_en="Wangfu Township Office",
        kind=DepartmentKind.TOWNSHIP_OFFICE,
        division=divisions["township"],
    )
    office = factories.officer(township, Role.DEPARTMENT_ADMIN, username="township")
    mediator = factories.officer(township, Role.MEDIATOR, username="mediator")
    dispute = mediation.register_dispute(
        office,
        kind="neighbours",
        summary="两家因宅基地围墙界线发生争执。",
        parties=[mediation.Party("applicant", "王大"), mediation.Party("respondent", "李二")],
    )
    invitation = reviews.invite_review(
        reporter,
        subject_ref="330106-20261101-000001",
        department=world.district_city,
        service_name="路灯维修许可",
    )
    supervisor = factories.officer(world.departments["330100-general_office"], Role.SUPERVISOR)
    admin = factories.officer(world.departments["330100-data_bureau"], Role.PLATFORM_ADMIN)
    return {
        "world": world,
        "reporter": reporter,
        "stranger": stranger,
        "answered": answered,
        "open": open_case,
        "unsure": unsure,
        "transfer": transfer,
        "office": office,
        "mediator": mediator,
        "dispute": dispute,
        "invitation": invitation,
        "supervisor": supervisor,
        "admin": admin,
        "merge": MergeProposal.objects.filter(case=open_case).first(),
    }


# (name, method, path(scene), body(scene), wrong(scene), right(scene), ok statuses)
Row = tuple[
    str,
    str,
    Callable[[dict[str, Any]], str],
    Callable[[dict[str, Any]], dict[str, Any]],
    Callable[[dict[str, Any]], Any],
    Callable[[dict[str, Any]], Any],
    set[int],
]
MATRIX: list[Row] = [
    (
        "report",
        "post",
        lambda s: "/hotline/cases",
        lambda s: {
            "kind": "complaint",
            "text": "楼下垃圾桶三天没人清运，臭味很大。",
            "division": "330106001001",
        },
        lambda s: None,
        lambda s: s["stranger"],
        {201},
    ),
    (
        "mine",
        "get",
        lambda s: "/hotline/cases",
        lambda s: {},
        lambda s: None,
        lambda s: s["reporter"],
        {200},
    ),
    (
        "one",
        "get",
        lambda s: f"/hotline/cases/{s['answered'].ref}",
        lambda s: {},
        lambda s: s["stranger"],
        lambda s: s["reporter"],
        {200},
    ),
    (
        "rate",
        "post",
        lambda s: f"/hotline/cases/{s['answered'].ref}/rating",
        lambda s: {"level": 4, "tags": ["fast"]},
        lambda s: s["stranger"],
        lambda s: s["reporter"],
        {201},
    ),
    (
        "call",
        "post",
        lambda s: "/hotline/calls",
        lambda s: {
            "kind": "help",
            "text": "老人摔倒在北山路边需要帮助",
            "division": "330106001",
            "caller_name": "路人",
            "callback_number": "13900008888",
        },
        lambda s: s["world"].district_officer,
        lambda s: s["world"].agent,
        {201},
    ),
    (
        "work",
        "get",
        lambda s: "/hotline/work",
        lambda s: {},
        lambda s: s["reporter"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "work-case",
        "get",
        lambda s: f"/hotline/work/{s['open'].ref}",
        lambda s: {},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "acknowledge",
        "post",
        lambda s: f"/hotline/work/{s['open'].ref}/acknowledge",
        lambda s: {},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "progress",
        "post",
        lambda s: f"/hotline/work/{s['open'].ref}/progress",
        lambda s: {"note": "已派人查看"},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "answer",
        "post",
        lambda s: f"/hotline/work/{s['open'].ref}/answer",
        lambda s: {"reply": "已修复"},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "transfer",
        "post",
        lambda s: f"/hotline/work/{s['open'].ref}/transfer",
        lambda s: {"to": "330100-housing", "reason": "物业负责"},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "contest",
        "post",
        lambda s: f"/hotline/work/{s['open'].ref}/contest",
        lambda s: {"reason": "x"},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {409},
    ),
    (
        "contacts",
        "post",
        lambda s: f"/hotline/work/{s['open'].ref}/contacts",
        lambda s: {"purpose": "回访"},
        lambda s: s["office"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "dispatch-queue",
        "get",
        lambda s: "/hotline/dispatch",
        lambda s: {},
        lambda s: s["world"].agent,
        lambda s: s["world"].dispatcher,
        {200},
    ),
    (
        "dispatch",
        "post",
        lambda s: f"/hotline/dispatch/{s['unsure'].ref}",
        lambda s: {"category": "city.refuse"},
        lambda s: s["world"].agent,
        lambda s: s["world"].dispatcher,
        {200},
    ),
    (
        "merge",
        "post",
        lambda s: f"/hotline/merges/{s['merge'].pk}",
        lambda s: {"confirm": True},
        lambda s: s["world"].agent,
        lambda s: s["world"].dispatcher,
        {200},
    ),
    (
        "decide",
        "post",
        lambda s: f"/hotline/transfers/{s['transfer'].pk}/decision",
        lambda s: {"decision": "upheld"},
        lambda s: s["world"].agent,
        lambda s: s["world"].dispatcher,
        {200},
    ),
    (
        "close",
        "post",
        lambda s: f"/hotline/work/{s['answered'].ref}/close",
        lambda s: {},
        lambda s: s["world"].district_officer,
        lambda s: s["world"].dispatcher,
        {200},
    ),
    (
        "callback",
        "post",
        lambda s: f"/hotline/work/{s['answered'].ref}/ratings",
        lambda s: {"reporter": s["answered"].reporters.get().pk, "level": 5},
        lambda s: s["world"].district_officer,
        lambda s: s["world"].agent,
        {201},
    ),
    (
        "scoreboard",
        "get",
        lambda s: "/hotline/scoreboard",
        lambda s: {},
        lambda s: s["reporter"],
        lambda s: s["supervisor"],
        {200},
    ),
    (
        "trends",
        "get",
        lambda s: "/hotline/trends",
        lambda s: {},
        lambda s: s["world"].district_officer,
        lambda s: s["supervisor"],
        {200},
    ),
    (
        "reviews",
        "get",
        lambda s: "/hotline/reviews",
        lambda s: {},
        lambda s: None,
        lambda s: s["reporter"],
        {200},
    ),
    (
        "review",
        "post",
        lambda s: f"/hotline/reviews/{s['invitation'].pk}",
        lambda s: {"level": 1, "tags": ["slow"]},
        lambda s: s["stranger"],
        lambda s: s["reporter"],
        {201},
    ),
    (
        "rectifications",
        "get",
        lambda s: "/hotline/rectifications",
        lambda s: {},
        lambda s: s["reporter"],
        lambda s: s["world"].district_officer,
        {200},
    ),
    (
        "disputes",
        "get",
        lambda s: "/hotline/disputes",
        lambda s: {},
        lambda s: None,  # anyone signed in lists the disputes naming them (below)
        lambda s: s["office"],
        {200},
    ),
    (
        "register",
        "post",
        lambda s: "/hotline/disputes",
        lambda s: {
            "kind": "labour",
            "summary": "拖欠工资",
            "parties": [
                {"role": "applicant", "name": "张三"},
                {"role": "respondent", "name": "某公司"},
            ],
        },
        lambda s: s["world"].district_officer,
        lambda s: s["office"],
        {201},
    ),
    (
        "dispute",
        "get",
        lambda s: f"/hotline/disputes/{s['dispute'].ref}",
        lambda s: {},
        lambda s: s["world"].district_officer,
        lambda s: s["office"],
        {200},
    ),
    (
        "assign",
        "post",
        lambda s: f"/hotline/disputes/{s['dispute'].ref}/mediator",
        lambda s: {"mediator": "mediator"},
        lambda s: s["world"].district_officer,
        lambda s: s["office"],
        {200},
    ),
]


def test_a_person_lists_only_the_disputes_naming_them(scene: dict[str, Any]) -> None:
    answer = _call(scene["reporter"], "get", "/hotline/disputes", {})
    assert answer.status_code == 200
    assert answer.json() == []


@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_each_endpoint_refuses_anonymous_and_the_wrong_person(
    scene: dict[str, Any], row: Row
) -> None:
    _name, method, path, body, wrong, right, ok = row
    url, payload = path(scene), body(scene)

    anonymous = _call(None, method, url, payload)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    wrong_user = wrong(scene)
    if wrong_user is not None:
        refused = _call(wrong_user, method, url, payload)
        assert refused.status_code in {403, 404}, refused.content
    answered = _call(right(scene), method, url, payload)
    assert answered.status_code in ok, answered.content


def test_the_wall_is_public_and_desensitised(scene: dict[str, Any]) -> None:
    world = scene["world"]
    case = factories.call(
        scene["answered"].division,
        "我叫王小明，手机13812345678，北山街道路灯坏了",
        phone="13900009999",
    )
    services.answer_case(world.district_officer, case, reply="已修，回电13812345678确认")

    wall = Client().get("/api/v1/hotline/wall", {"q": "路灯"}).json()

    assert {row["ref"] for row in wall} >= {case.ref, scene["answered"].ref}
    assert "13812345678" not in json.dumps(wall, ensure_ascii=False)


def test_bad_input_is_a_problem_document_naming_the_field(scene: dict[str, Any]) -> None:
    response = _call(
        scene["reporter"],
        "post",
        "/hotline/cases",
        {"kind": "complaint", "text": "", "division": "330106001001"},
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["errors"][0]["field"] == "text"
    oversized = _call(
        scene["reporter"],
        "post",
        "/hotline/cases",
        {"kind": "complaint", "text": "灯" * 2001, "division": "330106001001"},
    )
    assert oversized.status_code == 400
    assert "2000" in oversized.json()["errors"][0]["message"]


def test_trends_show_the_terms_rising_fastest(scene: dict[str, Any]) -> None:
    division = scene["answered"].division
    now = timezone.now()
    for number in range(3):
        factories.call(
            division,
            f"小区电梯又坏了，被困电梯里{number}次，电梯维保不到位",
            phone=f"1370000{number:04d}",
            now=now,
        )
    factories.call(division, "小区电梯有异响", phone="13700009999", now=now - timedelta(days=7))

    trends = _call(scene["supervisor"], "get", "/hotline/trends").json()

    terms = {row["term"]: row for row in trends["hot_terms"]}
    assert terms["电梯"]["count"] == 3
    assert terms["电梯"]["previous"] == 1
    assert terms["电梯"]["rise"] == 2
    assert "异响" not in terms  # last week's word has not risen


def test_a_bad_review_opens_a_rectification_and_the_reviewer_hears_back(
    scene: dict[str, Any],
) -> None:
    world = scene["world"]
    made = _call(
        scene["reporter"],
        "post",
        f"/hotline/reviews/{scene['invitation'].pk}",
        {"level": 2, "tags": ["slow"]},
    )
    assert made.status_code == 201
    assert made.json()["rectification_due"] is not None
    task = _call(world.district_officer, "get", "/hotline/rectifications").json()[0]

    done = _call(
        world.district_officer,
        "post",
        f"/hotline/rectifications/{task['id']}",
        {"response": "已缩短审批时限至3个工作日"},
    )

    assert done.json()["status"] == "done"
    assert scene["reporter"].messages.filter(event="rectification_done").exists()


def test_mediation_from_registration_to_follow_up(scene: dict[str, Any]) -> None:
    ref = scene["dispute"].ref
    assert (
        _call(
            scene["office"], "post", f"/hotline/disputes/{ref}/mediator", {"mediator": "mediator"}
        ).status_code
        == 200
    )
    session = _call(
        scene["mediator"],
        "post",
        f"/hotline/disputes/{ref}/sessions",
        {"held_at": timezone.now().isoformat(), "place": "村调解室", "notes": "双方陈述"},
    )
    assert session.status_code == 201
    outcome = _call(
        scene["mediator"],
        "post",
        f"/hotline/disputes/{ref}/outcome",
        {"agreed": True, "agreement": "围墙按原界线重砌，费用各半"},
    )
    assert outcome.json()["status"] == "agreed"
    assert outcome.json()["follow_up_due"] is not None
    visit = _call(
        scene["mediator"],
        "post",
        f"/hotline/disputes/{ref}/follow-up",
        {"agreement_kept": True, "notes": "已重砌"},
    )
    assert visit.json()["status"] == "followed_up"
    assert Dispute.objects.get(ref=ref).visits.count() == 1
    # The other party of the township cannot act as the mediator.
    assert _call(
        scene["office"],
        "post",
        f"/hotline/disputes/{ref}/outcome",
        {"agreed": False, "agreement": "x"},
    ).status_code in {404, 409}


def test_the_case_counts_reach_the_scoreboard(scene: dict[str, Any]) -> None:
    rows = _call(scene["supervisor"], "get", "/hotline/scoreboard").json()
    xihu = next(r for r in rows if r["department"] == "330106-city_management")
    assert xihu["answered"] >= 1
    assert Case.objects.filter(status=CaseStatus.ANSWERED).exists()

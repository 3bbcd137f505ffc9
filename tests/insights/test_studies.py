"""A study from design to report: the sample drawn into the ledger, answers by residents and
village agents, and a report that recovers the planted narrowing of the online gap."""

from __future__ import annotations

import random

import pytest

from onewindow.core.errors import Conflict, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.insights import services
from onewindow.insights.models import AnswerChannel, Response, SampleMember, StudyStatus
from tests.insights import factories, history


@pytest.fixture
def analyst(divisions: dict[str, Division]) -> User:
    return factories.analyst(divisions["city"])


def test_a_study_is_designed_answered_and_reported_with_the_planted_effect(
    divisions: dict[str, Division], analyst: User
) -> None:
    history.plant(divisions, months=history.MONTHS, per_cell=60)
    agent = factories.station_agent(divisions["village"])
    questionnaire = factories.standard_questionnaire(analyst)

    study = services.design_study(
        analyst,
        title_zh="城乡数字鸿沟调查",
        title_en="Urban–rural digital divide survey",
        questionnaire=questionnaire,
        counties=[divisions["district"], divisions["county"]],
        sample_size=40,
        seed=2026,
    )
    members = list(SampleMember.objects.filter(study=study))
    rng = random.Random(5)
    for member in members:
        rural = member.stratum.split("/")[1] == "rural"
        online = rng.random() < (0.3 if rural else 0.8)
        answers = {"used_online": "yes" if online else "no", "visits": "1"}
        answers["satisfaction"] = str(rng.choice([3, 4, 4, 5] if not rural else [2, 3, 4]))
        if online:
            trait = rng.choice([2, 3, 4, 5])
            for key in ("ease_find", "ease_file", "ease_track", "ease_trust"):
                answers[key] = str(min(5, max(1, trait + rng.choice([-1, 0, 0, 1]))))
        person = agent if rural else member.resident
        services.answer(person, member, answers)
    published = services.publish_report(analyst, study)

    assert published.status == StudyStatus.PUBLISHED
    assert study.sample_ledger_index is not None
    assert len(members) == 40
    report = published.report
    assert report["responses"]["total"] == 40
    assert (
        report["responses"]["assisted"]
        == Response.objects.filter(study=study, channel=AnswerChannel.ASSISTED).count()
    )
    assert report["survey"]["reliability"]["ease"]["alpha"] is not None
    online = next(i for i in report["indicators"]["indicators"] if i["key"] == "online-share")
    planted_change = -0.2 * 18 / (history.MONTHS - 1)
    change = online["gap_change"]
    assert change["estimate"] < 0
    assert change["high"] < 0
    assert change["low"] <= planted_change <= change["high"]
    with pytest.raises(Conflict):
        services.publish_report(analyst, study)


def test_a_sample_is_the_same_from_the_same_seed(
    divisions: dict[str, Division], analyst: User
) -> None:
    history.residents(divisions["village"], 30, random.Random(1), "rural")
    history.residents(divisions["community"], 30, random.Random(2), "urban")
    questionnaire = factories.standard_questionnaire(analyst)

    def drawn(seed: int) -> list[int]:
        study = services.design_study(
            analyst,
            title_zh="调查",
            title_en="Survey",
            questionnaire=questionnaire,
            counties=[divisions["district"], divisions["county"]],
            sample_size=20,
            seed=seed,
        )
        return sorted(SampleMember.objects.filter(study=study).values_list("resident", flat=True))

    assert drawn(7) == drawn(7)
    assert drawn(7) != drawn(8)


def test_only_the_resident_or_their_village_agent_may_answer(
    divisions: dict[str, Division], analyst: User
) -> None:
    history.residents(divisions["village"], 10, random.Random(1), "rural")
    study = services.design_study(
        analyst,
        title_zh="调查",
        title_en="Survey",
        questionnaire=factories.standard_questionnaire(analyst),
        counties=[divisions["county"]],
        sample_size=3,
        seed=1,
    )
    member = SampleMember.objects.filter(study=study).first()
    assert member is not None
    stranger = factories.station_agent(divisions["community"], username="town-agent")
    answers = {"used_online": "no", "satisfaction": "3", "visits": "2"}

    with pytest.raises(PermissionDenied):
        services.answer(stranger, member, answers)
    services.answer(member.resident, member, answers)
    with pytest.raises(Conflict):
        services.answer(member.resident, member, answers)


def test_a_county_outside_the_analysts_scope_is_refused(
    divisions: dict[str, Division],
) -> None:
    county_analyst = factories.analyst(divisions["district"], username="district-analyst")

    with pytest.raises(PermissionDenied, match="outside"):
        services.design_study(
            county_analyst,
            title_zh="调查",
            title_en="Survey",
            questionnaire=factories.standard_questionnaire(county_analyst),
            counties=[divisions["county"]],
            sample_size=3,
            seed=1,
        )

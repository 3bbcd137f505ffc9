"""The demo's field study (issue 22): the analyst's questionnaire, a study of 150 residents
across the four counties, answered by residents (in the countryside mostly with the village
agent), its report published; and a second study still in the field in the village agent's
county, so that the agent has residents to visit. All through the real services."""

from __future__ import annotations

import random

from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.insights import questionnaires, services
from onewindow.insights.models import SampleMember, Study

EASE = ("ease_find", "ease_file", "ease_track", "ease_trust")


def _answers(rng: random.Random, rural: bool, elderly: bool) -> dict[str, str]:
    online = rng.random() < (0.35 if rural else 0.75) * (0.5 if elderly else 1.0)
    answers = {
        "used_online": "yes" if online else "no",
        "satisfaction": str(rng.choice([2, 3, 3, 4, 4, 5] if rural else [3, 4, 4, 4, 5, 5])),
        "visits": str(rng.choice([0, 1, 1, 2, 3] if rural else [0, 0, 1, 1, 2])),
    }
    if online:
        trait = rng.choice([2, 3, 4, 4, 5])
        for key in EASE:
            answers[key] = str(min(5, max(1, trait + rng.choice([-1, 0, 0, 1]))))
    return answers


def seed_insights(rng: random.Random) -> str:
    """Returns the published study's reference (the existing one when seeded before)."""
    published = Study.objects.filter(status="published").first()
    if published is not None:
        return published.ref
    analyst = User.objects.get(username="analyst")
    agent = User.objects.get(username="village-agent")
    questionnaire = services.create_questionnaire(
        analyst,
        title_zh="数字政府服务体验调查",
        title_en="Digital government experience survey",
        questions=questionnaires.STANDARD,
    )
    counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
    study = services.design_study(
        analyst,
        title_zh="城乡数字鸿沟与政务服务体验调查",
        title_en="The urban–rural digital divide and the experience of public services",
        questionnaire=questionnaire,
        counties=counties,
        sample_size=150,
        seed=2026,
    )
    village = agent.division
    assert village is not None
    for member in SampleMember.objects.filter(study=study).select_related("resident", "division"):
        if rng.random() < 0.15:
            continue  # not reached
        rural = "/rural/" in member.stratum
        helper = agent if (rural and member.division.is_within(village)) else member.resident
        services.answer(helper, member, _answers(rng, rural, member.stratum.endswith("65-plus")))
    services.publish_report(analyst, study)
    home = Division.objects.get(code=village.code[:6])
    services.design_study(
        analyst,
        title_zh=f"{home.name_zh}便民服务站满意度回访",
        title_en=f"{home.name_en}: satisfaction with village service stations",
        questionnaire=questionnaire,
        counties=[home],
        sample_size=40,
        seed=7,
    )
    return study.ref

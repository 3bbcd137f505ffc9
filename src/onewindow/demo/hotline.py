"""The demo's citizen hotline: a few dozen cases in every state (the wall, the scoreboard
and the trends page show something), a merged repeat, a contested transfer, reviews of
completed applications and a mediation, all made through the real services."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from onewindow.applications.models import Application, ApplicationStatus
from onewindow.core import personal_data
from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.grievances import classifier, intake, mediation, reviews, services
from onewindow.grievances.models import Case, CaseStatus, Channel, ContactPreference
from onewindow.identity.models import MOBILE_CONTEXT, Department, Role, User

CASES = 48
ANSWERS = {
    "zh": "您好，您反映的问题已转交相关科室现场核实并处理完毕，感谢您对我们工作的监督。",
    "en": "Thank you. The team checked on site and the problem has been dealt with.",
}


def _officer(department: Department, role: str = Role.REVIEWER) -> User | None:
    return User.objects.filter(department=department, roles__role=role).first()


def seed_hotline(rng: random.Random) -> int:
    """Idempotent: does nothing when cases exist. Returns how many cases there are."""
    if Case.objects.exists():
        return Case.objects.count()
    agent = User.objects.get(username="hotline")
    dispatcher = User.objects.get(username="dispatcher")
    places = list(Division.objects.filter(level__gte=Level.TOWNSHIP).order_by("code"))
    texts = [case.text for case in classifier.corpus("train") if len(case.text) >= 15]
    rng.shuffle(texts)
    now = timezone.now()
    # The demo files many cases from few places at once: no flood limit while seeding.
    with override_settings(
        ONEWINDOW_HOTLINE_RATE_LIMITS={"phone": (10**6, 60), "address": (10**6, 60)}
    ):
        made: list[Case] = []
        # Repeats of one problem this week: a hot term, and a merge to confirm.
        lift = "北山街道第1社区3号楼电梯又坏了，老人被困在电梯里半个小时，物业一直拖着不修。"
        for number, text in enumerate([*texts[:CASES], lift, lift.replace("又坏了", "停运")]):
            when = now - timedelta(days=rng.randrange(0, 14), hours=rng.randrange(0, 9))
            made.append(
                intake.submit_case(
                    kind=rng.choice(["complaint"] * 5 + ["help", "consultation", "suggestion"]),
                    text_in=text,
                    location=intake.Location(
                        division=places[rng.randrange(len(places))] if number < CASES else places[1]
                    ),
                    channel=Channel.HOTLINE,
                    contact=intake.Contact(
                        name=rng.choice(["王先生", "李女士", "张阿姨", "陈师傅", "刘同学"]),
                        phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                        preference=ContactPreference.SMS,
                    ),
                    urgency="urgent" if rng.random() < 0.1 else "ordinary",
                    recorded_by=agent,
                    now=when,
                )
            )
        for case in made:
            _progress(case, dispatcher, rng)
        _extras(rng)
    return Case.objects.count()


def _progress(case: Case, dispatcher: User, rng: random.Random) -> None:
    """Move a case on: most are answered and rated, some wait, a few are reopened."""
    case.refresh_from_db()
    roll = rng.random()
    if case.status == CaseStatus.DISPATCHING:
        if roll < 0.5:
            return  # left for the demo's dispatcher
        category = case.proposed_category or rng.choice(list(classifier.CATEGORIES))
        try:
            case = services.dispatch_case(dispatcher, case, category=category)
        except DomainError:  # a kind with no department in the demo stays queued
            return
    if case.department is None or roll < 0.2:
        return
    officer = _officer(case.department)
    if officer is None:
        return
    answered_at = min(case.received_at + timedelta(days=rng.randrange(1, 6)), timezone.now())
    language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in case.text) else "en"
    with transaction.atomic():
        services.acknowledge_case(
            officer, case, now=min(case.received_at + timedelta(hours=3), answered_at)
        )
        services.answer_case(officer, case, reply=ANSWERS[language], now=answered_at)
    if roll < 0.75:
        reporter = case.reporters.first()
        assert reporter is not None
        level = rng.choice([5, 5, 4, 4, 3, 2, 1])
        services.rate_answer(
            reporter,
            level=level,
            tags=["solved"] if level > 2 else ["slow"],
            recorded_by=User.objects.get(username="hotline"),
        )


def _extras(rng: random.Random) -> None:
    # Reviews of a few completed applications, one of them bad (a rectification task).
    completed = Application.objects.filter(status=ApplicationStatus.APPROVED).select_related(
        "applicant", "item_version"
    )[:6]
    for number, application in enumerate(completed):
        step = application.steps.filter(status="approved").order_by("-finished_at").first()
        if step is None:
            continue
        invitation = reviews.invite_review(
            application.applicant,
            subject_ref=application.ref,
            department=step.department,
            service_name=application.item_version.name,
        )
        if number < 4:
            reviews.submit_review(
                application.applicant,
                invitation,
                level=2 if number == 0 else 5,
                tags=["slow"] if number == 0 else ["fast"],
            )
    # A mediation in Wangfu Township: registered, mediated, agreed.
    office = User.objects.filter(username="township").first()
    mediator = User.objects.filter(username="mediator").first()
    if office is None or mediator is None:
        return
    # The demo citizen is the applicant (named by the mobile of their account): the dispute
    # is on their hotline page, with the mediator's message and the read of their number.
    citizen = User.objects.filter(username="resident-0001").first()
    phone = (
        personal_data.decrypt(citizen.mobile_encrypted, context=MOBILE_CONTEXT)
        if citizen is not None and citizen.mobile_encrypted
        else ""
    )
    dispute = mediation.register_dispute(
        office,
        kind="land",
        summary="两户村民因承包地边界和一条排水沟的走向发生争执。",
        parties=[
            mediation.Party("applicant", citizen.real_name if citizen else "王建国", phone),
            mediation.Party("respondent", "李长林", "13957100000"),
        ],
    )
    mediation.assign_mediator(office, dispute, mediator=mediator)
    first_party = dispute.parties.order_by("pk").first()
    assert first_party is not None
    mediation.message_party(
        mediator, dispute, party=first_party.pk, text="请于本周五上午九点到乡人民调解委员会。"
    )
    mediation.record_session(
        mediator,
        dispute,
        held_at=timezone.now() - timedelta(days=2),
        place="王阜乡人民调解委员会",
        notes="双方到场，现场勘查地界，同意按1998年承包合同附图确定边界。",
    )
    mediation.record_outcome(
        mediator, dispute, agreed=True, agreement="按原合同附图重新埋设界桩，排水沟由双方共同清理。"
    )
    mediation.register_dispute(
        office,
        kind="neighbours",
        summary="楼上住户空调外机滴水，楼下住户多次协商未果。",
        parties=[mediation.Party("applicant", "赵丽"), mediation.Party("respondent", "孙强")],
    )

"""Demo applications: a few hundred, in every state, filed and decided through the real
services, then spread over the past weeks so queues and timelines look lived-in.

Officers: every department that handles a step gets a reviewer and an approver named after
its code (`330106-psb-reviewer`), with a demo TOTP device like the main demo accounts.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from onewindow.applications import services
from onewindow.applications.models import Application, Step, StepStatus
from onewindow.catalog.models import MaterialSource, ServiceItem
from onewindow.catalog.seed import seed_catalog
from onewindow.exchange import services as exchange
from onewindow.exchange.models import DataService
from onewindow.exchange.seed import seed_data_services
from onewindow.identity import services as identity_services
from onewindow.identity.models import (
    Business,
    ConsentMethod,
    Department,
    Role,
    User,
    UserKind,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Applications stay in the demo for at most this many calendar days back.
MAX_AGE_DAYS = 60


OFFICER_TITLES = {Role.REVIEWER: "审核人员", Role.APPROVER: "审批人员"}


def handling_officers(password_hash: str, totp: Callable[[User], str]) -> int:
    """A reviewer and an approver in every department; returns how many were created."""
    created = 0
    for department in Department.objects.all():
        for role in (Role.REVIEWER, Role.APPROVER):
            username = f"{department.code.lower()}-{role.value}"
            if User.objects.filter(username=username).exists():
                continue
            # A name people read on Chinese pages ("held by"), not the role's English label.
            name = f"{department.name_zh[:10]}{OFFICER_TITLES[role]}"
            totp(_officer(username, password_hash, name, department, role))
            created += 1
    return created


def _officer(
    username: str, password_hash: str, real_name: str, department: Department, role: str
) -> User:
    """An officer with one role, written directly: the demo's password is hashed once for
    all, and demo roles are not permission changes for the ledger."""
    officer = User.objects.create(
        username=username,
        password=password_hash,
        real_name=real_name,
        kind=UserKind.OFFICER,
        department=department,
    )
    officer.roles.create(role=role)
    return officer


def _forms(rng: random.Random) -> dict[str, Callable[[], dict[str, Any]]]:
    def birth() -> dict[str, Any]:
        day = date(2026, 10, 1) + timedelta(days=rng.randrange(45))
        return {
            "baby_name": rng.choice(["王", "李", "张", "刘", "陈"])
            + rng.choice(["一诺", "子涵", "浩然", "欣怡", "宇轩"]),
            "baby_sex": rng.choice(["female", "male"]),
            "birth_date": day.isoformat(),
            "birth_certificate_number": f"Q{rng.randrange(10**9):09d}",
            "household_of": rng.choice(["father", "mother"]),
        }

    def card() -> dict[str, Any]:
        return {"bank": rng.choice(["icbc", "ccb", "abc", "hzbank"])}

    def shop() -> dict[str, Any]:
        return {
            "trade_name": rng.choice(["西湖", "千岛湖", "新安江", "梅城"])
            + rng.choice(["小吃店", "便利店", "茶叶铺", "理发店"]),
            "business_scope": "食品销售；日用百货零售",
            "premises_address": f"杭州市某路 {rng.randrange(1, 300)} 号",
            "form_of_organisation": rng.choice(["individual", "family"]),
        }

    def company() -> dict[str, Any]:
        return {
            "company_name": "杭州"
            + rng.choice(["云帆", "青山", "湖畔", "钱江"])
            + rng.choice(["科技", "贸易", "文化"])
            + f"有限公司{rng.randrange(1000)}",
            "registered_capital_wan": rng.choice([10, 50, 100, 500]),
            "business_scope": "技术开发；技术咨询",
            "registered_address": f"杭州市西湖区文三路 {rng.randrange(1, 500)} 号",
            "employees": rng.randrange(1, 50),
            "seal_count": rng.randrange(1, 4),
        }

    def residence() -> dict[str, Any]:
        return {
            "residence_address": f"杭州市某小区 {rng.randrange(1, 30)} 幢",
            "resident_since": "2025-09-01",
            "basis": rng.choice(["work", "housing", "study"]),
        }

    def project() -> dict[str, Any]:
        return {
            "project_name": rng.choice(["智能制造", "物流园", "数据中心"])
            + f"项目{rng.randrange(100)}",
            "total_investment_wan": rng.randrange(5000, 90000),
            "site_address": "杭州市西湖区三墩镇",
            "construction_content": "新建厂房及配套设施",
            "industry": rng.choice(["manufacturing", "services"]),
        }

    return {
        "330000-PSB-HJ-001": birth,
        "330000-HRSS-SB-001": card,
        "330000-AMR-GT-001": shop,
        "330000-AMR-QY-001": company,
        "330000-PSB-JZ-001": residence,
        "330000-DRC-TZ-001": project,
    }


def _holder(step: Step) -> User:
    return User.objects.get(username=f"{step.department.code.lower()}-{step.role}")


class Clock:
    """A stand-in for `timezone.now` so the seeded history happens on past working days."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, rng: random.Random) -> None:
        self.current += timedelta(hours=rng.randrange(1, 30))


def _drive(application: Application, rng: random.Random, clock: Clock, real_now: datetime) -> None:
    """Move an application towards a random state: left open, part-way, waiting for
    supplements, approved, rejected or withdrawn."""
    fate = rng.random()
    clock.advance(rng)
    if fate < 0.05:
        services.withdraw_application(
            application.applicant, application, version=application.version, reason="不再需要"
        )
        return
    for _round in range(12):
        application.refresh_from_db()
        open_steps = list(application.steps.filter(status=StepStatus.OPEN))
        if application.is_terminal or not open_steps:
            return
        step = open_steps[0]
        officer = _holder(step)
        if rng.random() < 0.35 and fate < 0.55:
            return  # left in the queue, maybe claimed
        clock.advance(rng)
        if clock.current > real_now:
            return  # the future has not happened yet
        step = services.claim_step(officer, step, version=step.version)
        roll = rng.random()
        if fate < 0.15 and roll < 0.3 and not step.is_supplement_used:
            services.request_supplements(
                officer,
                step,
                version=step.version,
                items=[{"key": "", "reason": "请补充清晰的证明材料扫描件"}],
            )
            return
        if fate > 0.93:
            services.reject_step(
                officer, step, version=step.version, reasons="材料与登记信息不一致"
            )
            return
        services.approve_step(officer, step, version=step.version)


def _filer(
    rng: random.Random,
    applicant: User,
    version: Any,
    business: Business | None,
    filers: dict[str, User],
) -> User:
    """Who files: mostly the applicant online; a window clerk at the Xihu hall for services
    that can be filed anywhere, and the village agent for residents of the agent's village,
    each with the person's recorded consent."""
    roll = rng.random()
    agent = filers["agent"]
    if business is None and roll < 0.5 and applicant.division_id == agent.division_id:
        if identity_services.valid_consent(agent, applicant) is None:
            identity_services.record_agent_consent(
                agent, applicant, method=ConsentMethod.SIGNED_FORM, evidence=PDF
            )
        return agent
    if business is None and roll < 0.2 and version.item.is_apply_anywhere:
        clerk = filers["clerk"]
        if identity_services.valid_consent(clerk, applicant) is None:
            identity_services.record_agent_consent(
                clerk, applicant, method=ConsentMethod.SIGNED_FORM, evidence=PDF
            )
        return clerk
    return applicant


def seed_applications(
    rng: random.Random,
    count: int,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 50,
) -> int:
    """File and drive `count` demo applications unless the demo already has some; calls
    `progress(done)` every `every` applications."""
    if Application.objects.exists() or count <= 0:
        return 0
    items = {item.code: item.current_version for item in seed_catalog()}
    forms = _forms(rng)
    weights = {
        "330000-PSB-HJ-001": 30,
        "330000-HRSS-SB-001": 30,
        "330000-AMR-GT-001": 15,
        "330000-PSB-JZ-001": 15,
        "330000-AMR-QY-001": 8,
        "330000-DRC-TZ-001": 2,
    }
    codes = list(weights)
    real_now = timezone.now()
    citizens = list(
        User.objects.filter(kind=UserKind.CITIZEN, division__isnull=False).order_by("username")[
            :800
        ]
    )
    businesses = list(Business.objects.select_related("legal_representative")[:50])
    filers = {
        "clerk": User.objects.get(username="clerk"),
        "agent": User.objects.get(username="village-agent"),
    }
    # The seeded history happened "before": its notices are in the inboxes, not re-sent now.
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        for number in range(count):
            code = rng.choices(codes, weights=[weights[c] for c in codes])[0]
            version = items[code]
            assert version is not None
            business = None
            if version.audience == "business":
                business = businesses[number % len(businesses)]
                applicant = business.legal_representative
            else:
                applicant = citizens[number % len(citizens)]
            day = real_now - timedelta(days=rng.randrange(0, MAX_AGE_DAYS))
            start = day.replace(hour=1, minute=rng.randrange(60))  # 09:xx in Shanghai
            with (
                transaction.atomic(),
                mock.patch("django.utils.timezone.now", Clock(start)) as clock,
            ):
                draft = services.save_draft(applicant, version, {}, business=business)
                for material in version.materials:
                    if material["source"] == MaterialSource.UPLOAD and material.get(
                        "is_required", True
                    ):
                        services.add_upload(
                            applicant,
                            draft,
                            material_key=material["key"],
                            name="scan.pdf",
                            content=PDF,
                        )
                application = services.submit_application(
                    applicant,
                    version,
                    forms[code](),
                    idempotency_key=uuid.uuid4().hex,
                    delivery=version.delivery_options[0],
                    business=business,
                    draft=draft,
                    filed_by=_filer(rng, applicant, version, business, filers),
                    fetch_consent=True,
                )
                _drive(application, rng, clock, real_now)
            if progress is not None and (number + 1) % every == 0 and number + 1 < count:
                progress(number + 1)
    return count


def seed_exchange(rng: random.Random) -> None:
    """The departments' data services, their records for the demo's people and businesses,
    and the grants the services' once-only materials need."""
    if DataService.objects.exists():
        return
    services_by_code = {service.code: service for service in seed_data_services()}
    household = services_by_code["public_security.household_registration"]
    people = User.objects.filter(kind=UserKind.CITIZEN).exclude(id_number_encrypted="")
    rows = []
    for person in people.select_related("division"):
        number = person.plain_id_number()
        rows.append(
            (
                number,
                {
                    "name": person.real_name,
                    "sex": "male" if int(number[16]) % 2 else "female",
                    "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
                    "household_division": person.division.code if person.division else "",
                    "household_head": person.real_name,
                },
            )
        )
    exchange.load_records(household, rows)
    registrations = services_by_code["market_supervision.business_registration"]
    exchange.load_records(
        registrations,
        [
            (
                business.credit_code,
                {
                    "name": business.name,
                    "legal_representative": business.legal_representative.real_name,
                    "registered_on": business.registered_at.date().isoformat(),
                    "status": "存续",
                },
            )
            for business in Business.objects.select_related("legal_representative")
        ],
    )
    once_only_grants(services_by_code)


# What each handling department may fetch for its services: the fields its decision needs.
ONCE_ONLY_FIELDS = {
    "public_security.household_registration": ["name", "sex", "birth_date", "household_division"],
    "civil_affairs.marriage_record": ["status", "registered_on"],
    "health.birth_certificate": ["certificate_number", "baby_name", "birth_date", "hospital"],
    "market_supervision.business_registration": ["name", "legal_representative", "status"],
}


def _steward_of(department: Department) -> User:
    """The department's data steward: the demo's `steward` where it works, else one made."""
    found = User.objects.filter(department=department, roles__role=Role.DATA_STEWARD).first()
    if found is not None:
        return found
    return _officer(
        f"{department.code.lower()}-steward",
        User.objects.get(username="steward").password,
        f"{department.name_zh[:10]}数据管理员",
        department,
        Role.DATA_STEWARD,
    )


def once_only_grants(services_by_code: dict[str, Any]) -> int:
    """For every published service that fetches a material, a grant to every department of
    its competent kind, approved by the provider's steward for a year: so the demo's
    applications fetch instead of asking the applicant."""
    made = 0
    for item in ServiceItem.objects.exclude(current_version=None).select_related("current_version"):
        assert item.current_version is not None
        for material in item.current_version.materials:
            service = services_by_code.get(material.get("exchange_service", ""))
            if material["source"] != MaterialSource.EXCHANGE or service is None:
                continue
            fields = ONCE_ONLY_FIELDS.get(service.code, service.field_names)
            steward = _steward_of(service.provider)
            for consumer in Department.objects.filter(kind=item.department_kind):
                requester = User.objects.filter(department=consumer, kind=UserKind.OFFICER).first()
                if requester is None:
                    continue
                grant = exchange.request_grant(requester, service, purpose=item.code, fields=fields)
                exchange.approve_grant(
                    steward,
                    grant,
                    fields=fields,
                    expires_at=timezone.now() + timedelta(days=365),
                )
                made += 1
    return made

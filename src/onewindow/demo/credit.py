"""Demo data for the departments' data services and the businesses' credit profiles.

Each providing department gets a data steward who approves the credit platform's grants;
each department's "own table" (its ProviderRecord rows) is filled for the demo's people and
businesses; then the credit platform refreshes every business's profile through the signed
exchange, as it would in production.

`DEMO_CREDIT_CODE` is the business to show: a food business licence from market supervision,
a work-safety penalty from emergency management (past its minimum publicity, so it can be
repaired), a recent environmental penalty (too recent to repair), an older one whose
publicity has ended (only the business sees it), a commendation and a past
abnormal-operations listing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from onewindow.core.models import Division
from onewindow.exchange import services as exchange
from onewindow.exchange.credit import services as credit
from onewindow.exchange.models import AccessGrant, CreditProfile, DataService, GrantStatus
from onewindow.exchange.seed import seed_data_services
from onewindow.identity import services as identity
from onewindow.identity.models import (
    Business,
    Role,
    User,
    UserKind,
)

DEMO_CREDIT_CODE = "91330106J66PLY618Q"
DEMO_BUSINESS_NAME = "杭州西溪味道餐饮管理有限公司"
GRANT_DAYS = 365

# The credit platform reads these, for the purpose credit.CREDIT_PURPOSE.
CREDIT_SERVICES = (credit.REGISTRATION_SERVICE, *(s.service_code for s in credit.SOURCES))


def _stewards(
    services: list[DataService], password: str, totp: Callable[[User], str]
) -> dict[int, User]:
    """A data steward in every providing department (department pk → steward)."""
    stewards: dict[int, User] = {}
    for service in services:
        provider = service.provider
        if provider.pk in stewards:
            continue
        existing = User.objects.filter(
            department=provider, roles__role=Role.DATA_STEWARD, kind=UserKind.OFFICER
        ).first()
        if existing is None:
            existing = identity.create_officer(
                username=f"{provider.code.lower()}-steward",
                password=password,
                real_name=f"{provider.name_zh[:10]}数据专员",
                department=provider,
                roles=(Role.DATA_STEWARD,),
            )
            totp(existing)
        stewards[provider.pk] = existing
    return stewards


def _grants(password: str, totp: Callable[[User], str]) -> None:
    """The credit platform asks each source for every field; each steward approves."""
    platform = credit.credit_platform()
    requester = User.objects.filter(department=platform, kind=UserKind.OFFICER).first()
    if requester is None:
        requester = identity.create_officer(
            username=f"{platform.code.lower()}-credit",
            password=password,
            real_name="信用办专员",
            department=platform,
            roles=(Role.REVIEWER,),
        )
        totp(requester)
    services = list(DataService.objects.filter(code__in=CREDIT_SERVICES).select_related("provider"))
    stewards = _stewards(services, password, totp)
    for service in services:
        if AccessGrant.objects.filter(
            service=service,
            consumer=platform,
            purpose=credit.CREDIT_PURPOSE,
            status=GrantStatus.APPROVED,
        ).exists():
            continue
        grant = exchange.request_grant(
            requester, service, purpose=credit.CREDIT_PURPOSE, fields=service.field_names
        )
        exchange.approve_grant(
            stewards[service.provider_id],
            grant,
            fields=service.field_names,
            expires_at=timezone.now() + timedelta(days=GRANT_DAYS),
        )


def _months_ago(today: date, months: int) -> date:
    return credit.add_months(today, -months)


def _penalty(
    number: str,
    decided_on: date,
    authority: str,
    violation: str,
    legal_basis: str,
    fine_yuan: int,
    category: str,
) -> dict[str, Any]:
    rule = credit.PUBLICITY_RULES[category]
    return {
        "decision_number": number,
        "decided_on": decided_on.isoformat(),
        "authority": authority,
        "violation": violation,
        "penalty_type": "罚款",
        "legal_basis": legal_basis,
        "fine_fen": fine_yuan * 100,
        "publicity_category": category,
        "publicity_ends_on": credit.add_months(decided_on, rule.maximum_months).isoformat(),
    }


def _demo_business() -> Business:
    business = Business.objects.filter(credit_code=DEMO_CREDIT_CODE).first()
    if business is None:
        business = identity.register_business(
            User.objects.get(username="resident-0002"),
            credit_code=DEMO_CREDIT_CODE,
            name=DEMO_BUSINESS_NAME,
            division=Division.objects.get(code="330106"),
        )
    return business


def _business_records(rng: random.Random, today: date) -> dict[str, list[tuple[str, Any]]]:
    """Each credit source's rows: the demo business's full story, and some for the others."""
    demo = _demo_business()
    safety_date = _months_ago(today, 14)
    recent_date = today - timedelta(days=30)
    old_date = _months_ago(today, 40)
    records: dict[str, list[tuple[str, Any]]] = {
        credit.REGISTRATION_SERVICE: [
            (
                DEMO_CREDIT_CODE,
                {
                    "name": demo.name,
                    "legal_representative": demo.legal_representative.real_name,
                    "registered_on": "2021-03-15",
                    "status": "存续",
                    "registration_authority": "杭州市西湖区市场监督管理局",
                },
            )
        ],
        "market_supervision.administrative_licences": [
            (
                DEMO_CREDIT_CODE,
                {
                    "licences": [
                        {
                            "licence_number": "JY13301060123456",
                            "title": "食品经营许可证",
                            "decided_on": _months_ago(today, 30).isoformat(),
                            "valid_until": credit.add_months(today, 30).isoformat(),
                            "authority": "杭州市西湖区市场监督管理局",
                            "content": "热食类食品制售；冷食类食品制售",
                            "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                        }
                    ]
                },
            )
        ],
        "emergency.administrative_penalties": [
            (
                DEMO_CREDIT_CODE,
                {
                    "penalties": [
                        _penalty(
                            f"杭应急罚〔{safety_date.year}〕18号",
                            safety_date,
                            "杭州市应急管理局",
                            "未按规定对从业人员进行安全生产教育和培训",
                            "《中华人民共和国安全生产法》第九十七条第三项",
                            20000,
                            "safety",
                        )
                    ]
                },
            )
        ],
        "ecology.administrative_penalties": [
            (
                DEMO_CREDIT_CODE,
                {
                    "penalties": [
                        _penalty(
                            f"杭环罚〔{recent_date.year}〕231号",
                            recent_date,
                            "杭州市生态环境局",
                            "餐饮废水超过污染物排放标准排放",
                            "《中华人民共和国水污染防治法》第八十三条第二项",
                            100000,
                            "general",
                        ),
                        _penalty(
                            f"杭环罚〔{old_date.year}〕47号",
                            old_date,
                            "杭州市生态环境局",
                            "未依法进行固定污染源排污登记",
                            "《排污许可管理条例》第四十三条",
                            5000,
                            "general",
                        ),
                    ]
                },
            )
        ],
        "human_resources.commendations": [
            (
                DEMO_CREDIT_CODE,
                {
                    "commendations": [
                        {
                            "document_number": f"杭人社发〔{_months_ago(today, 8).year}〕36号",
                            "title": "杭州市和谐劳动关系先进企业",
                            "awarded_on": _months_ago(today, 8).isoformat(),
                            "authority": "杭州市人力资源和社会保障局",
                        }
                    ]
                },
            )
        ],
        "market_supervision.abnormal_operations": [
            (
                DEMO_CREDIT_CODE,
                {
                    "listings": [
                        {
                            "decision_number": f"西市监异列〔{_months_ago(today, 26).year}〕112号",
                            "listed_on": _months_ago(today, 26).isoformat(),
                            "reason": "未按照规定的期限公示年度报告",
                            "authority": "杭州市西湖区市场监督管理局",
                            "removed_on": _months_ago(today, 23).isoformat(),
                            "removal_reason": "补报未报年份的年度报告并公示",
                        }
                    ]
                },
            )
        ],
    }
    for number, business in enumerate(
        Business.objects.exclude(credit_code=DEMO_CREDIT_CODE).order_by("credit_code")
    ):
        code = business.credit_code
        if rng.random() < 0.3:
            decided = today - timedelta(days=rng.randrange(30, 1500))
            records["market_supervision.administrative_licences"].append(
                (
                    code,
                    {
                        "licences": [
                            {
                                "licence_number": f"JY1{code[2:8]}{number:07d}",
                                "title": "食品经营许可证",
                                "decided_on": decided.isoformat(),
                                "valid_until": (decided + timedelta(days=5 * 365)).isoformat(),
                                "authority": "杭州市市场监督管理局",
                                "content": "预包装食品销售",
                                "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                            }
                        ]
                    },
                )
            )
        if rng.random() < 0.1:
            decided = today - timedelta(days=rng.randrange(10, 1200))
            source = rng.choice(
                ["emergency.administrative_penalties", "ecology.administrative_penalties"]
            )
            is_safety = source.startswith("emergency")
            records[source].append(
                (
                    code,
                    {
                        "penalties": [
                            _penalty(
                                f"{'杭应急罚' if is_safety else '杭环罚'}〔{decided.year}〕"
                                f"{100 + number}号",
                                decided,
                                "杭州市应急管理局" if is_safety else "杭州市生态环境局",
                                "未建立事故隐患排查治理制度"
                                if is_safety
                                else "未按规定公开排污信息",
                                "《中华人民共和国安全生产法》第一百零一条"
                                if is_safety
                                else "《排污许可管理条例》第三十六条",
                                rng.choice([5000, 10000, 30000]),
                                "safety" if is_safety else "general",
                            )
                        ]
                    },
                )
            )
        if rng.random() < 0.05:
            listed = today - timedelta(days=rng.randrange(30, 700))
            records["market_supervision.abnormal_operations"].append(
                (
                    code,
                    {
                        "listings": [
                            {
                                "decision_number": f"杭市监异列〔{listed.year}〕{number}号",
                                "listed_on": listed.isoformat(),
                                "reason": "通过登记的住所或者经营场所无法联系",
                                "authority": "杭州市市场监督管理局",
                                "removed_on": None,
                                "removal_reason": None,
                            }
                        ]
                    },
                )
            )
    return records


def _person_records(rng: random.Random, today: date) -> dict[str, list[tuple[str, Any]]]:
    """Social insurance, marriage and real-estate rows for the demo citizens."""
    records: dict[str, list[tuple[str, Any]]] = {
        "human_resources.social_insurance_status": [],
        "civil_affairs.marriage_record": [],
        "natural_resources.real_estate_ownership": [],
    }
    people = User.objects.filter(kind=UserKind.CITIZEN).exclude(id_number_encrypted="")
    for person in people.order_by("username"):
        number = person.plain_id_number()
        age = today.year - int(number[6:10])
        retired = age >= 60
        months = min(max(age - 22, 0) * 12, 480) if rng.random() < 0.85 else 0
        records["human_resources.social_insurance_status"].append(
            (
                number,
                {
                    "is_insured": months > 0,
                    "schemes": ["基本养老保险", "基本医疗保险"]
                    + ([] if retired else ["失业保险", "工伤保险"]),
                    "employer": "" if retired or not months else "杭州市某有限公司",
                    "contribution_months": months,
                    "last_paid_month": today.strftime("%Y-%m") if months and not retired else "",
                    "status": ("领取养老金" if retired else "正常参保") if months else "未参保",
                },
            )
        )
        if age >= 23 and rng.random() < 0.7:
            married = date(int(number[6:10]) + rng.randrange(23, 32), rng.randrange(1, 13), 8)
            records["civil_affairs.marriage_record"].append(
                (
                    number,
                    {
                        "status": "已婚",
                        "registered_on": min(married, today).isoformat(),
                        "spouse_name": person.real_name[:1] + "某",
                    },
                )
            )
        if rng.random() < 0.4:
            registered = today - timedelta(days=rng.randrange(200, 6000))
            records["natural_resources.real_estate_ownership"].append(
                (
                    number,
                    {
                        "properties": [
                            {
                                "certificate_number": f"浙({registered.year})杭州市不动产权第"
                                f"{rng.randrange(10**7):07d}号",
                                "location": f"杭州市西湖区某小区{rng.randrange(1, 30)}幢",
                                "usage": "城镇住宅用地/住宅",
                                "floor_area_m2": round(rng.uniform(45, 160), 2),
                                "share": rng.choice(["单独所有", "共同共有"]),
                                "registered_on": registered.isoformat(),
                            }
                        ],
                        "is_mortgaged": rng.random() < 0.5,
                        "is_seized": False,
                    },
                )
            )
    return records


def _tax_records(rng: random.Random, today: date) -> list[tuple[str, Any]]:
    return [
        (
            business.credit_code,
            {
                "has_arrears": rng.random() < 0.05,
                "checked_on": today.isoformat(),
                "certificate_number": f"杭税无欠〔{today.year}〕{number:05d}号",
                "tax_credit_grade": rng.choice(["A", "B", "B", "M"]),
            },
        )
        for number, business in enumerate(Business.objects.order_by("credit_code"))
    ]


def seed_credit(rng: random.Random, password: str, totp: Callable[[User], str]) -> int:
    """The new data services, their departments' records, the credit platform's grants and
    every business's profile. Returns how many profiles were compiled (0 when already done)."""
    if CreditProfile.objects.filter(credit_code=DEMO_CREDIT_CODE).exists():
        return 0
    services = {service.code: service for service in seed_data_services()}
    today = timezone.localdate()
    for code, rows in {
        **_business_records(rng, today),
        **_person_records(rng, today),
        "taxation.tax_clearance": _tax_records(rng, today),
    }.items():
        if code in services:
            exchange.load_records(services[code], rows)
    _grants(password, totp)
    for business in Business.objects.order_by("credit_code"):
        credit.refresh_profile(business.credit_code)
    return CreditProfile.objects.count()

"""The hotline's world for tests: departments, officers with their roles, cases filed
through the real intake service."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.grievances import intake
from onewindow.grievances.models import Case, Channel, ContactPreference
from onewindow.identity import services as identity_services
from onewindow.identity.models import Department, DepartmentKind, Role, User
from tests.applications import factories as application_factories
from tests.identity.factories import PASSWORD

_numbers = itertools.count(1)
STREET_LIGHT = "北山街道第1社区门口的路灯坏了一个多月了，晚上很黑，老人走路容易摔倒，请尽快修理。"
STREET_LIGHT_AGAIN = "北山街道第1社区门口路灯坏了，一个多月没人修，晚上很黑，希望尽快修理路灯。"
WAGES = "我在工地干了三个月，老板一直拖欠工资不给，一共两万多元，请帮我讨薪。"


@dataclass
class World:
    departments: dict[str, Department]
    hotline: Department
    district_city: Department  # Xihu urban management
    agent: User
    dispatcher: User
    district_officer: User
    district_admin: User
    city_admin: User


def officer(department: Department, *roles: str, username: str = "") -> User:
    user = identity_services.create_officer(
        username=username or f"officer{next(_numbers)}",
        password=PASSWORD,
        real_name="陈晓",
        department=department,
        roles=roles or (Role.REVIEWER,),
    )
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def world(divisions: dict[str, Division]) -> World:
    departments = application_factories.departments(divisions)
    district_city = Department.objects.create(
        code="330106-city_management",
        name_zh="西湖区城市管理局",
        name_en="Xihu Urban Management Bureau",
        kind=DepartmentKind.CITY_MANAGEMENT,
        division=divisions["district"],
        parent=departments["330100-city_management"],
    )
    departments[district_city.code] = district_city
    hotline = departments["330100-hotline"]
    return World(
        departments=departments,
        hotline=hotline,
        district_city=district_city,
        agent=officer(hotline, Role.HOTLINE_AGENT, username="agent"),
        dispatcher=officer(hotline, Role.DISPATCHER, username="dispatcher"),
        district_officer=officer(district_city, Role.REVIEWER, username="xihu-city"),
        district_admin=officer(district_city, Role.DEPARTMENT_ADMIN, username="xihu-city-admin"),
        city_admin=officer(
            departments["330100-city_management"], Role.DEPARTMENT_ADMIN, username="city-admin"
        ),
    )


def call(
    division: Division,
    text: str = STREET_LIGHT,
    *,
    agent: User | None = None,
    phone: str = "13900001111",
    name: str = "张阿姨",
    now: datetime | None = None,
    **extra: Any,
) -> Case:
    """A call recorded by a hotline agent."""
    return intake.submit_case(
        kind=extra.pop("kind", "complaint"),
        text_in=text,
        location=intake.Location(division=division, address=extra.pop("address", "")),
        channel=Channel.HOTLINE,
        contact=intake.Contact(
            user=extra.pop("user", None),
            name=name,
            phone=phone,
            preference=ContactPreference.SMS,
        ),
        urgency=extra.pop("urgency", "ordinary"),
        recorded_by=agent,
        now=now,
        **extra,
    )


def online(user: User, division: Division, text: str = STREET_LIGHT, **extra: Any) -> Case:
    return intake.submit_case(
        kind=extra.pop("kind", "complaint"),
        text_in=text,
        location=intake.Location(
            division=division,
            latitude=extra.pop("latitude", None),
            longitude=extra.pop("longitude", None),
            address=extra.pop("address", ""),
        ),
        channel=Channel.WEB,
        contact=intake.Contact(user=user, preference=ContactPreference.INBOX),
        **extra,
    )

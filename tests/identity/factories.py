"""People built through the real identity services, with valid generated identifiers."""

from __future__ import annotations

import random
import re
from datetime import date

from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.core.validators import generate_resident_id
from onewindow.identity import services, sms
from onewindow.identity.models import Department, DepartmentKind, User

PASSWORD = "correct-horse-battery"
_rng = random.Random(7)
# Every ID handed out in this process: a county and birth date leave only 1,000 sequence
# numbers, so random ones collided in tests that build many people (order-dependent failures).
_issued: set[str] = set()


def resident_id(birth: date = date(1985, 6, 15), division_code: str = "330106") -> str:
    while True:
        candidate = generate_resident_id(_rng, division_code=division_code, birth=birth)
        if candidate not in _issued:
            _issued.add(candidate)
            return candidate


def last_sms_code() -> str:
    """The six-digit code in the last SMS sent through the console adapter."""
    found = re.search(r"\b(\d{6})\b", sms.outbox[-1][1])
    assert found is not None, sms.outbox[-1][1]
    return found.group(1)


def mobile() -> str:
    while True:
        candidate = f"13{_rng.randrange(10**9):09d}"
        if candidate not in _issued:
            _issued.add(candidate)
            return candidate


def citizen(
    division: Division | None = None,
    *,
    username: str | None = None,
    id_number: str | None = None,
    **extra: str,
) -> User:
    number = _rng.randrange(10**6)
    return services.register_citizen(
        username=username or f"citizen{number}",
        password=PASSWORD,
        real_name="王小明",
        id_number=id_number or resident_id(),
        mobile=mobile(),
        division=division,
        email=extra.get("email", f"citizen{number}@example.org"),
    )


def department(division: Division, code: str = "330100-AMR") -> Department:
    return Department.objects.create(
        code=code,
        name_zh="杭州市市场监督管理局",
        name_en="Hangzhou Market Supervision Bureau",
        kind=DepartmentKind.MARKET_SUPERVISION,
        division=division,
    )


def officer(
    department: Department,
    *,
    roles: tuple[str, ...] = ("reviewer",),
    username: str = "reviewer",
    with_totp: bool = True,
) -> User:
    user = services.create_officer(
        username=username, password=PASSWORD, real_name="李明", department=department, roles=roles
    )
    if with_totp:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user

"""Generated records for the insights tests: residents of an urban community and a rural village
and two years of their applications, with a planted effect (how the online share moves)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from onewindow.applications.models import Application, ApplicationStatus, Channel
from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.seed import seed_catalog
from onewindow.core.calendar import SHANGHAI
from onewindow.core.models import Division
from onewindow.identity.models import User, UserKind

MONTHS = 24
# The history ends with the current month, so that a report's window (the last 24 months)
# holds all of it.
_now = timezone.now().astimezone(SHANGHAI)
_first = _now.year * 12 + _now.month - 1 - (MONTHS - 1)
START = datetime(_first // 12, _first % 12 + 1, 1, tzinfo=SHANGHAI)


def month_start(month: int) -> datetime:
    year, index = divmod(START.month - 1 + month, 12)
    return START.replace(year=START.year + year, month=index + 1)


def planted_online(urban: bool, month: int, months: int) -> float:
    """Rural adoption rises faster: 20 % → 50 % against urban 60 % → 70 %."""
    progress = month / (months - 1)
    return 0.6 + 0.1 * progress if urban else 0.2 + 0.3 * progress


def residents(division: Division, count: int, rng: random.Random, prefix: str) -> list[User]:
    users = [
        User(
            username=f"{prefix}{i}",
            kind=UserKind.CITIZEN,
            division=division,
            birth_year=rng.choice([1950, 1955, 1958, 1970, 1980, 1990, 2000]),
        )
        for i in range(count)
    ]
    User.objects.bulk_create(users)
    return list(User.objects.filter(username__startswith=prefix, division=division))


def item_version() -> ServiceItemVersion:
    version = seed_catalog()[0].current_version
    assert version is not None
    return version


def plant(
    divisions: dict[str, Division],
    *,
    months: int = 24,
    per_cell: int = 60,
    seed: int = 22,
    online: Callable[[bool, int, int], float] = planted_online,
) -> int:
    """`per_cell` applications a month from each side; returns how many were written."""
    rng = random.Random(seed)
    version = item_version()
    sides = {
        True: residents(divisions["community"], 30, rng, "urban"),
        False: residents(divisions["village"], 30, rng, "rural"),
    }
    rows = []
    for month in range(months):
        begins = month_start(month)
        for urban, people in sides.items():
            for number in range(per_cell):
                person = rng.choice(people)
                submitted = begins + timedelta(days=rng.randint(0, 27), hours=rng.randint(1, 20))
                is_online = rng.random() < online(urban, month, months)
                channel = (
                    Channel.ONLINE
                    if is_online
                    else (Channel.HALL if urban else Channel.VILLAGE_AGENT)
                )
                days_promised = 5
                days_taken = max(1, round(rng.gauss(4 if urban else 6, 1.5)))
                rejected = rng.random() < 0.08
                rows.append(
                    Application(
                        ref=f"T{month:02d}{int(urban)}{number:04d}",
                        applicant=person,
                        item_version=version,
                        division=person.division,
                        receiving_division=person.division,
                        channel=channel,
                        filed_by=person,
                        status=ApplicationStatus.REJECTED
                        if rejected
                        else ApplicationStatus.APPROVED,
                        delivery="online",
                        idempotency_key=f"k{month}-{int(urban)}-{number}",
                        request_digest="0" * 64,
                        submitted_at=submitted,
                        due_at=submitted + timedelta(days=7),
                        finished_at=submitted + timedelta(days=days_taken + 2 * (days_taken // 5)),
                        visits_promised=1 if not is_online else 0,
                        visits_made=(1 if not is_online else 0) + (rng.random() < 0.1),
                        days_promised=days_promised,
                        days_taken=days_taken,
                    )
                )
    Application.objects.bulk_create(rows, batch_size=500)
    return len(rows)

"""An emergency management bureau with its map extent, its officers, residents and drafts,
built through the real services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from onewindow.alerts.authoring import AlertDraft, AreaDraft, InfoDraft
from onewindow.alerts.models import DivisionExtent
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, User
from tests.identity.factories import officer

# Hangzhou's bounding box, and the centres of the two villages of the `divisions` fixture.
CITY_BOX = (29.2, 118.3, 30.6, 120.8)
VILLAGE_CENTRES = {"village": (29.62, 118.95), "community": (30.26, 120.13)}
# A polygon around Chun'an's village (not the Xihu community), closed.
AROUND_VILLAGE = [(29.5, 118.8), (29.5, 119.1), (29.8, 119.1), (29.8, 118.8), (29.5, 118.8)]


def map_extents(divisions: dict[str, Division]) -> None:
    south, west, north, east = CITY_BOX
    DivisionExtent.objects.create(
        division=divisions["city"],
        south=south,
        west=west,
        north=north,
        east=east,
        centre_lat=30.27,
        centre_lon=120.15,
    )
    for key, (latitude, longitude) in VILLAGE_CENTRES.items():
        DivisionExtent.objects.create(
            division=divisions[key],
            south=latitude - 0.01,
            west=longitude - 0.01,
            north=latitude + 0.01,
            east=longitude + 0.01,
            centre_lat=latitude,
            centre_lon=longitude,
        )


def bureau(divisions: dict[str, Division], *, code: str = "330100-EMERG") -> Department:
    map_extents(divisions)
    return Department.objects.create(
        code=code,
        name_zh="杭州市应急管理局",
        name_en="Hangzhou Emergency Management Bureau",
        kind=DepartmentKind.EMERGENCY,
        division=divisions["city"],
    )


def author(department: Department, username: str = "alert-author") -> User:
    existing = User.objects.filter(username=username).first()
    return existing or officer(department, roles=("reviewer",), username=username)


def approver(department: Department, username: str = "alert-approver") -> User:
    return officer(department, roles=("approver",), username=username)


def typhoon(**changes: Any) -> AlertDraft:
    now = timezone.now()
    fields: dict[str, Any] = {
        "department_code": "330100-EMERG",
        "category": "Met",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "onset": now,
        "expires": now + timedelta(days=1),
        "infos": [
            InfoDraft(
                "zh-hans",
                event="台风",
                headline="台风橙色预警",
                description="第12号台风将于今晚登陆，风力10级。",
                instruction="请留在室内，远离河道和山坡。",
                area_description="淳安县",
            ),
            InfoDraft(
                "en",
                event="Typhoon",
                headline="Orange typhoon warning",
                description="Typhoon No. 12 makes landfall tonight, force 10 winds.",
                instruction="Stay indoors, away from rivers and slopes.",
                area_description="Chun'an County",
            ),
        ],
        "areas": [AreaDraft("division", division_code="330127")],
        "contact": "12345",
    }
    fields.update(changes)
    return AlertDraft(**fields)

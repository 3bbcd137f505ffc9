"""The demo's public alerts: the map extents of the city, its counties and villages; a
typhoon warning for the two rural counties with its update and cancellation, and a
water-supply notice for one township (in force: its residents see the banner), each
delivered to the residents of its area, with a few elderly residents without a phone for
the village agent to tell in person. All through the real services."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from onewindow.alerts import delivery, services
from onewindow.alerts.authoring import AlertDraft, AreaDraft, InfoDraft
from onewindow.alerts.models import Alert, AlertDelivery, DivisionExtent, MessageType
from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.identity.models import User, UserKind

# Rough boxes (south, west, north, east) of the demo city and its counties.
BOXES = {
    "330100": (29.18, 118.34, 30.57, 120.72),
    "330102": (30.22, 120.14, 30.33, 120.25),
    "330106": (30.15, 119.98, 30.35, 120.17),
    "330127": (29.35, 118.34, 29.93, 119.28),
    "330182": (29.30, 119.02, 29.80, 119.72),
}
RURAL_COUNTIES = ("330127", "330182")


def seed_map() -> None:
    """Boxes for the city and counties; townships and villages get boxes inside their
    county's, at places that follow from their codes (the same on every seed)."""
    if DivisionExtent.objects.exists():
        return
    extents = []
    for code, (south, west, north, east) in BOXES.items():
        division = Division.objects.get(code=code)
        extents.append(_extent(division, south, west, north, east))
    for division in Division.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE]):
        south, west, north, east = BOXES[division.code[:6]]
        place = random.Random(division.code)  # noqa: S311  (a place on the demo map, no secret)
        size = 0.02 if division.level == Level.VILLAGE else 0.06
        lat = place.uniform(south + size, north - size)
        lon = place.uniform(west + size, east - size)
        extents.append(_extent(division, lat - size, lon - size, lat + size, lon + size))
    DivisionExtent.objects.bulk_create(extents)


def _extent(
    division: Division, south: float, west: float, north: float, east: float
) -> DivisionExtent:
    return DivisionExtent(
        division=division,
        south=south,
        west=west,
        north=north,
        east=east,
        centre_lat=(south + north) / 2,
        centre_lon=(west + east) / 2,
    )


def _info(language: str, **words: str) -> InfoDraft:
    return InfoDraft(language, **words)


def seed_alerts() -> int:
    """Idempotent: does nothing when alerts exist. Returns how many deliveries there are."""
    seed_map()
    if Alert.objects.exists():
        return AlertDelivery.objects.count()
    author = User.objects.get(username="alert-author")
    approver = User.objects.get(username="alert-approver")
    agent = User.objects.get(username="village-agent")
    township = agent.division.parent if agent.division else None
    assert township is not None
    # A few elderly residents of the agent's village have no mobile phone.
    elderly = User.objects.filter(division=agent.division, kind=UserKind.CITIZEN).order_by(
        "birth_year", "pk"
    )[:3]
    User.objects.filter(pk__in=[person.pk for person in elderly]).update(
        mobile_encrypted="", mobile_hash=None
    )
    now = timezone.now()
    published: list[Alert] = []
    chain = [
        (
            MessageType.ALERT,
            "Expected",
            "Severe",
            now - timedelta(hours=6),
            ("台风橙色预警", "Orange typhoon warning"),
            (
                "第12号台风“海葵”预计今晚在浙江沿海登陆，淳安县、建德市将有10级大风和暴雨。",
                "Typhoon No. 12 makes landfall on the Zhejiang coast tonight: force 10 winds "
                "and heavy rain in Chun'an and Jiande.",
            ),
        ),
        (
            MessageType.UPDATE,
            "Immediate",
            "Extreme",
            now - timedelta(hours=3),
            ("台风红色预警（升级）", "Red typhoon warning (raised)"),
            (
                "台风路径西移，淳安县、建德市风力增至12级，山区有山洪和地质灾害风险。",
                "The typhoon turned west: force 12 winds in Chun'an and Jiande, with flash "
                "floods and landslides likely in the hills.",
            ),
        ),
        (
            MessageType.CANCEL,
            "Past",
            "Minor",
            now - timedelta(minutes=30),
            ("台风预警解除", "Typhoon warning lifted"),
            (
                "台风已减弱并移出本市，预警解除。请注意清理积水，不要靠近倒伏的电线。",
                "The typhoon weakened and left the city; the warning is lifted. Keep away "
                "from fallen power lines.",
            ),
        ),
    ]
    for msg_type, urgency, severity, sent, headlines, descriptions in chain:
        draft = AlertDraft(
            department_code="330100-EMERG",
            category="Met",
            certainty="Observed" if msg_type == MessageType.CANCEL else "Likely",
            contact="12345",
            areas=[AreaDraft("division", division_code=code) for code in RURAL_COUNTIES],
            urgency=urgency,
            severity=severity,
            onset=sent,
            expires=now + timedelta(days=1),
            msg_type=msg_type,
            references=published[-1].ref if published else "",
            infos=[
                _info(
                    "zh-hans",
                    event="台风",
                    headline=headlines[0],
                    description=descriptions[0],
                    instruction="请留在室内，远离河道、山坡和临时建筑；需要帮助请拨打12345。",
                    area_description="淳安县、建德市",
                ),
                _info(
                    "en",
                    event="Typhoon",
                    headline=headlines[1],
                    description=descriptions[1],
                    instruction="Stay indoors, away from rivers, slopes and temporary "
                    "buildings; call 12345 for help.",
                    area_description="Chun'an County and Jiande City",
                ),
            ],
        )
        alert = services.compose_alert(author, draft, now=sent)
        published.append(services.approve_alert(approver, alert, now=sent))
    water = services.compose_alert(
        author,
        AlertDraft(
            department_code="330100-EMERG",
            category="Infra",
            urgency="Expected",
            severity="Moderate",
            certainty="Observed",
            onset=now,
            expires=now + timedelta(days=2),
            contact="12345",
            areas=[AreaDraft("division", division_code=township.code)],
            infos=[
                _info(
                    "zh-hans",
                    event="停水",
                    headline=f"{township.name_zh}停水通知",
                    description="因台风损坏供水管道，明日8时至18时停水抢修。",
                    instruction="请提前储水；送水车在村委会门口，需要帮助请联系村服务站。",
                    area_description=township.name_zh,
                ),
                _info(
                    "en",
                    event="Water cut",
                    headline=f"Water supply cut in {township.name_en}",
                    description="A main damaged by the typhoon is repaired tomorrow from 8:00 "
                    "to 18:00; there is no water then.",
                    instruction="Store water beforehand; a water truck stands at the village "
                    "committee; ask the village service station for help.",
                    area_description=township.name_en,
                ),
            ],
        ),
    )
    published.append(services.approve_alert(approver, water))
    # The seed delivers at once, so the figures are there; the worker's own fan-out of the
    # same alerts then finds everyone served and sends the e-mail and SMS copies.
    return sum(delivery.fan_out(alert.pk) for alert in published)

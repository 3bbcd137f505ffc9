"""Rural producers, listings and partners built through the real services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.identity import services as identity
from onewindow.identity.models import ConsentMethod, Department, DepartmentKind, User, UserKind
from onewindow.rural import services
from onewindow.rural.models import Listing, Partner, Producer
from tests.identity import factories


def agriculture(city: Division) -> Department:
    return Department.objects.create(
        code=f"{city.code}-AGR",
        name_zh="杭州市农业农村局",
        name_en="Hangzhou Agriculture and Rural Affairs Bureau",
        kind=DepartmentKind.AGRICULTURE,
        division=city,
    )


def station_agent(village: Division, username: str = "village-agent") -> User:
    user = User.objects.create_user(
        username=username,
        password=factories.PASSWORD,
        real_name="何建国",
        kind=UserKind.STATION_AGENT,
        division=village,
    )
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def consent(agent: User, resident: User) -> None:
    identity.record_agent_consent(
        agent, resident, method=ConsentMethod.ONE_TIME_CODE, evidence=b"code read back"
    )


def producer(resident: User, village: Division | None, **changes: object) -> Producer:
    fields: dict[str, object] = {
        "kind": "household",
        "name": "王家茶园",
        "village": village,
        "land_mu": Decimal("6.5"),
        "main_products": "龙井茶, 高山蔬菜",
        "workers": 2,
        **changes,
    }
    return services.register_producer(resident, services.ProducerDeclaration(**fields))  # type: ignore[arg-type]


def listing(by: User, producer: Producer, **changes: object) -> Listing:
    fields: dict[str, object] = {
        "product": "千岛湖高山茶",
        "category": "tea",
        "quantity": 100,
        "unit": "jin",
        "price_fen": 12_800,
        "harvest_date": date.today(),
        "certificates": ("produce_compliance",),
        **changes,
    }
    return services.list_product(by, producer, services.ListingDraft(**fields))  # type: ignore[arg-type]


def partner(name: str = "好农货") -> tuple[Partner, str]:
    found, secret = services.create_partner(name)
    return found, f"{found.key_id}.{secret}"

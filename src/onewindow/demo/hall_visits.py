"""The demo's service halls, fees and tax returns: a city hall, a district hall and a township
hall with their windows and a week of slots on the working-day calendar; bookings of demo
residents with their fees in every state (paid with its receipt, waiting, failed, refunded);
three residents' annual tax reconciliations for 2025 (a refund, tax due, none). All through
the real services; the demo provider pays in-process."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from onewindow.appointments import services as halls
from onewindow.appointments.models import Hall, HallLevel, Slot, Window
from onewindow.core.calendar import SHANGHAI
from onewindow.core.models import Division
from onewindow.etax import services as etax
from onewindow.etax.computation import Deductions, Income
from onewindow.identity.models import Department, DepartmentKind, User
from onewindow.payments import selectors as payments_selectors
from onewindow.payments import services as payments
from onewindow.payments.models import DemoBehaviour, DemoProviderPayment
from onewindow.payments.provider import DemoProvider

CARD = "330000-HRSS-SB-001"
PERMIT = "330000-PSB-JZ-001"
MARRIAGE = "330000-CA-HY-001"
BUSINESS = "330000-AMR-GT-001"
HALLS = (
    ("city", "330100", HallLevel.CITY, "杭州市民中心", "Hangzhou Citizen Centre",
     "江干区解放东路18号", "18 Jiefang East Road"),
    ("xihu", "330106", HallLevel.COUNTY, "西湖区政务服务中心",
     "Xihu District government service centre", "西湖区文三路", "Wensan Road, Xihu District"),
)  # fmt: skip
WINDOWS = (
    (1, DepartmentKind.HUMAN_RESOURCES, [CARD]),
    (2, DepartmentKind.PUBLIC_SECURITY, [PERMIT, "330000-PSB-HJ-001"]),
    (3, DepartmentKind.CIVIL_AFFAIRS, [MARRIAGE]),
    (4, DepartmentKind.MARKET_SUPERVISION, [BUSINESS]),
)


def _department(division: Division, kind: str) -> Department:
    found = (
        Department.objects.filter(kind=kind, division=division).first()
        or Department.objects.filter(kind=kind, division__code="330100").first()
        or Department.objects.filter(kind=kind).first()
    )
    assert found is not None, f"no {kind} department in the demo city"
    return found


def seed_halls() -> list[Hall]:
    made = []
    today = timezone.now().astimezone(SHANGHAI).date()
    for code, division_code, level, name_zh, name_en, address_zh, address_en in HALLS:
        division = Division.objects.get(code=division_code)
        hall, created = Hall.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "level": level,
                "division": division,
                "address_zh": address_zh,
                "address_en": address_en,
                "opens_at": time(9, 0),
                "closes_at": time(17, 0),
                "slot_minutes": 30,
                "slot_capacity": 3,
            },
        )
        if created:
            for number, kind, services in WINDOWS:
                Window.objects.create(
                    hall=hall,
                    number=number,
                    department=_department(division, kind),
                    services=services,
                )
        halls.open_slots(hall, first_day=today, days=9)  # a week of working days and more
        made.append(hall)
    return made


def _pay(payment_ref: str, behaviour: str) -> None:
    row = DemoProviderPayment.objects.get(reference=payment_ref)
    DemoProviderPayment.objects.filter(pk=row.pk).update(behaviour=behaviour)
    for body, signature in DemoProvider().pay(row.pk, method="card"):
        payments.receive_webhook("demo", body, signature)


def seed_fees(hall: Hall, residents: list[User]) -> int:
    """Bookings with their fees: paid (receipt), waiting, failed, refunded."""
    slots = list(
        Slot.objects.filter(
            window__hall=hall, window__number=1, starts_at__gt=timezone.now() + timedelta(days=1)
        ).order_by("starts_at")[:4]
    )
    made = 0
    for resident, slot, state in zip(
        residents, slots, ("paid", "pending", "failed", "refunded"), strict=False
    ):
        if payments_selectors.payments_of(resident).exists():
            made += 1  # seeded by an earlier run: a fee paid (or refunded) is not paid again
            continue
        booking = halls.book(resident, slot, service_code=CARD, idempotency_key=f"demo-{state}")
        if payments.quote_fee(CARD, payer=resident).amount_fen == 0:
            continue  # an elderly resident: the fee is waived
        payment = halls.pay_fee(booking, idempotency_key=f"demo-fee-{state}")
        if state in ("paid", "refunded"):
            _pay(payment.ref, DemoBehaviour.NORMAL)
        elif state == "failed":
            _pay(payment.ref, DemoBehaviour.FAIL)
        if state == "refunded":
            halls.cancel(booking, by=resident)
        made += 1
    return made


def seed_tax_returns(residents: list[User]) -> int:
    cases = (
        # A refund: a child at school not declared to the employer.
        (Income(wages_fen=120_000_00, withheld_fen=720_00),
         Deductions(social_insurance_fen=24_000_00, children=1), "6222021234567890123"),
        # Tax due: remuneration for services on top of a salary.
        (Income(wages_fen=300_000_00, services_fen=50_000_00,
                withheld_fen=30_000_00), Deductions(social_insurance_fen=40_000_00), ""),
        # None: what was withheld was right.
        (Income(wages_fen=96_000_00, withheld_fen=504_00),
         Deductions(social_insurance_fen=19_200_00), ""),
    )  # fmt: skip
    for resident, (income, deductions, account) in zip(residents, cases, strict=False):
        etax.file_return(
            resident,
            tax_year=2025,
            income=income,
            deductions=deductions,
            bank_account=account,
            idempotency_key="demo-2025",
        )
    return len(cases)


def seed_hall_visits() -> tuple[int, int, int]:
    made = seed_halls()
    people = list(User.objects.filter(username__startswith="resident-").order_by("username")[10:20])
    fees = seed_fees(made[1], people[:4]) if len(people) >= 4 else 0
    returns = seed_tax_returns(people[4:7]) if len(people) >= 7 else 0
    return len(made), fees, returns

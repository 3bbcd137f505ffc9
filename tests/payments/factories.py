"""A payer, a payee department and payments made through the real services."""

from __future__ import annotations

import secrets

from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, User
from onewindow.payments import services
from onewindow.payments.models import DemoBehaviour, DemoProviderPayment, Payment
from tests.identity import factories as people


def payee(division: Division) -> Department:
    return Department.objects.create(
        code="330100-HRSS",
        name_zh="杭州市人力资源和社会保障局",
        name_en="Hangzhou Human Resources and Social Security Bureau",
        kind=DepartmentKind.HUMAN_RESOURCES,
        division=division,
    )


def payment(
    payer: User,
    department: Department,
    *,
    amount_fen: int = 2000,
    behaviour: str = DemoBehaviour.NORMAL,
    purpose: str = "",
) -> Payment:
    made = services.start_payment(
        services.Charge(
            payer=payer,
            payee=department,
            purpose=purpose or f"test:{secrets.token_hex(4)}",
            description="社会保障卡补卡 Social security card replacement",
            gross_fen=amount_fen,
            item_code="330000-HRSS-SB-001",
        ),
        idempotency_key=secrets.token_hex(8),
    )
    DemoProviderPayment.objects.filter(pk=made.provider_payment_id).update(behaviour=behaviour)
    return made


def citizen(division: Division) -> User:
    return people.citizen(division)

"""A data bureau with a publisher, and datasets published through the real services."""

from __future__ import annotations

from typing import Any

from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, Role, User
from onewindow.transparency import services
from onewindow.transparency.models import Dataset, Procurement, Release, Source
from onewindow.transparency.services import DatasetDefinition
from tests.identity.factories import officer


def bureau(divisions: dict[str, Division], *, code: str = "330100-opendata") -> Department:
    return Department.objects.create(
        code=code,
        name_zh="杭州市数据资源管理局",
        name_en="Hangzhou Data Resources Bureau",
        kind=DepartmentKind.DATA_BUREAU,
        division=divisions["city"],
    )


def publisher(department: Department, username: str = "publisher") -> User:
    existing = User.objects.filter(username=username).first()
    return existing or officer(department, roles=(Role.DATA_PUBLISHER,), username=username)


def fixed_dataset(
    publisher_user: User,
    department: Department,
    *,
    name: str = "school-places",
    rows: list[dict[str, Any]] | None = None,
    fields: list[list[str]] | None = None,
    tags: tuple[str, ...] = ("education",),
    groups: tuple[str, ...] = ("education",),
    title_zh: str = "学校学位",
    title_en: str = "School places",
    **rules: Any,
) -> tuple[Dataset, Release]:
    rows = (
        rows
        if rows is not None
        else [
            {"district": f"3301{n % 10:02d}", "school": f"S{n:03d}", "places": 100 + n}
            for n in range(250)
        ]
    )
    fields = fields or [["district", "text"], ["school", "text"], ["places", "int"]]
    dataset = services.define_dataset(
        publisher_user,
        DatasetDefinition(
            name=name,
            title_zh=title_zh,
            title_en=title_en,
            notes_zh=f"{title_zh}（测试）",
            notes_en=f"{title_en} (test)",
            organization=department,
            source=Source.FIXED,
            parameters={"rows": rows, "fields": fields},
            tags=tags,
            groups=groups,
            **rules,
        ),
    )
    release = services.publish_release(publisher_user, dataset)
    assert release is not None
    return dataset, release


def education_bureau(divisions: dict[str, Division]) -> Department:
    return Department.objects.create(
        code="330100-edu",
        name_zh="杭州市教育局",
        name_en="Hangzhou Education Bureau",
        kind=DepartmentKind.EDUCATION,
        division=divisions["city"],
    )


def budgets(officer_user: User, department: Department, year: int = 2025) -> None:
    """Budget, final accounts and twelve months of spending, through the real services."""
    from datetime import date

    from onewindow.transparency.services import FiscalLine, enter_budget, enter_spending

    planned = [
        FiscalLine("20502", "301", 80_000_000_00),
        FiscalLine("20502", "302", 12_000_000_00),
        FiscalLine("20509", "310", 30_000_000_00),
        FiscalLine("20101", "302", 1_500_000_00),
    ]
    actual = [
        FiscalLine(x.function_code, x.economic_code, x.amount_fen * 97 // 100) for x in planned
    ]
    enter_budget(
        officer_user,
        department,
        year=year,
        stage="budget",
        lines=planned,
        total_fen=sum(x.amount_fen for x in planned),
    )
    enter_budget(
        officer_user,
        department,
        year=year,
        stage="final",
        lines=actual,
        total_fen=sum(x.amount_fen for x in actual),
    )
    for month in range(1, 13):
        lines = [FiscalLine(x.function_code, x.economic_code, x.amount_fen // 12) for x in actual]
        enter_spending(
            officer_user,
            department,
            month=date(year, month, 1),
            lines=lines,
            total_fen=sum(x.amount_fen for x in lines),
        )


def procurements(buyer: Department) -> list[Procurement]:
    """Processes in every stage: planned, open for bids, awarded, contracted, completed,
    cancelled; bidders with valid credit codes."""
    import random
    from datetime import date, timedelta

    from onewindow.core.validators import generate_credit_code
    from onewindow.transparency import procurement

    buyer_officer = officer(buyer, roles=(Role.PROCUREMENT_OFFICER,), username="buyer")
    rng = random.Random(7)
    codes = [generate_credit_code(rng, division_code="330106") for _ in range(3)]
    made = []
    for number, stage in enumerate(
        ["planning", "tender", "award", "contract", "complete", "cancelled"]
    ):
        start = date(2025, 3, 2) + timedelta(days=number)
        process = procurement.plan_procurement(
            buyer_officer,
            buyer,
            title_zh=f"学校食堂设备采购{number}",
            title_en=f"School canteen equipment {number}",
            function_code="20502",
            method="open",
            budget_fen=1_000_000_00,
            planned_on=start,
        )
        if stage != "planning":
            procurement.open_tender(
                buyer_officer, process, start=start, end=start + timedelta(days=21)
            )
            for offset, code in enumerate(codes):
                procurement.receive_bid(
                    buyer_officer,
                    process,
                    credit_code=code,
                    name=f"杭州供应商{offset}有限公司",
                    amount_fen=900_000_00 + offset * 10_000_00,
                    received_on=start + timedelta(days=3),
                    no_conflict_declared=True,
                )
        if stage in ("award", "contract", "complete"):
            procurement.award(
                buyer_officer, process, credit_code=codes[0], awarded_on=start + timedelta(days=23)
            )
        if stage in ("contract", "complete"):
            procurement.sign_contract(
                buyer_officer,
                process,
                signed_on=start + timedelta(days=40),
                ends_on=start + timedelta(days=200),
                milestones=[
                    ("设备交付", start + timedelta(days=80)),
                    ("验收", start + timedelta(days=150)),
                ],
            )
        if stage == "complete":
            procurement.complete(buyer_officer, process, completed_on=start + timedelta(days=190))
        if stage == "cancelled":
            procurement.cancel(buyer_officer, process)
        made.append(process)
    return made

"""The demo's open data: the city's budgets and final accounts for two years and a year of
monthly spending by department; 30 procurement processes in every state, bid by businesses
with credit profiles; a dozen datasets desensitised from the demo's applications and
hotline cases, the catalogue, the budgets and procurement. All through the real services."""

from __future__ import annotations

import random
from datetime import date, timedelta

from onewindow.exchange.models import CreditProfile
from onewindow.identity import services as identity
from onewindow.identity.models import Department, Role, User
from onewindow.transparency import procurement, services
from onewindow.transparency.models import Procurement, ProcurementStatus, Source
from onewindow.transparency.services import DatasetDefinition, FiscalLine, ReleaseRefused

YEARS = (2025, 2026)
# Department suffix → (functional classes it spends on, its yearly budget in yuan).
SPENDERS = {
    "EDU": (("20502", "20503", "20509", "20101"), 4_200_000_000),
    "HEALTH": (("21004", "21007", "20101"), 2_100_000_000),
    "TRANS": (("21401", "21404"), 1_800_000_000),
    "CITY": (("21203", "21205"), 1_300_000_000),
    "CA": (("20802", "20810"), 900_000_000),
    "HRSS": (("20801", "20805"), 1_100_000_000),
    "ECO": (("21103", "21104"), 400_000_000),
    "PSB": (("20402",), 1_600_000_000),
    "DATA": (("20101", "20603"), 250_000_000),
}
ECONOMIC_SHARES = (("301", 45), ("302", 30), ("303", 10), ("310", 15))
PROCUREMENTS = (
    ("EDU", "20502", "中小学智慧教室设备采购", "Smart classroom equipment for schools"),
    ("EDU", "20502", "学校食堂食材配送服务", "Food supply for school canteens"),
    ("EDU", "20509", "职业学校实训楼改造工程", "Refurbishing a vocational school's workshop"),
    ("EDU", "20502", "校园安防监控系统升级", "Upgrading school security cameras"),
    ("EDU", "20503", "教师培训服务", "Teacher training services"),
    ("EDU", "20502", "课桌椅更新采购", "Replacing school desks and chairs"),
    ("HEALTH", "21004", "社区卫生服务中心医疗设备", "Medical equipment for community clinics"),
    ("HEALTH", "21007", "疫苗冷链运输服务", "Cold-chain transport of vaccines"),
    ("TRANS", "21401", "公交站亭维护服务", "Maintenance of bus shelters"),
    ("TRANS", "21404", "农村公路养护工程", "Maintenance of rural roads"),
    ("CITY", "21205", "生活垃圾分类宣传服务", "Waste-sorting awareness campaign"),
    ("CITY", "21203", "城市绿化养护服务", "Urban greening maintenance"),
    ("CA", "20810", "养老服务中心运营服务", "Running an elderly care centre"),
    ("HRSS", "20805", "就业技能培训服务", "Job skills training"),
    ("ECO", "21103", "空气质量监测站运维", "Operating air quality stations"),
    ("DATA", "20101", "政务云资源租用服务", "Government cloud resources"),
)
STAGES = (
    "planning",
    "tender",
    "award",
    "contract",
    "contract",
    "complete",
    "complete",
    "complete",
    "cancelled",
)


def _officer(department: Department, role: str, password: str) -> User:
    username = f"{role.replace('_', '-')}-{department.code.lower()}"
    existing = User.objects.filter(username=username).first()
    return existing or identity.create_officer(
        username=username,
        password=password,
        real_name="财务科",
        department=department,
        roles=(role,),
    )


def _varied(
    lines: list[FiscalLine], rng: random.Random, *, percent: tuple[int, int], parts: int = 1
) -> list[FiscalLine]:
    """Each line's amount at a random percentage within `percent`, split into `parts`."""
    return [
        FiscalLine(
            line.function_code,
            line.economic_code,
            line.amount_fen * rng.randint(*percent) // (100 * parts),
        )
        for line in lines
    ]


def seed_budgets(rng: random.Random, password: str) -> int:
    """Budgets and final accounts of YEARS, and monthly spending of the first year."""
    entered = 0
    for suffix, (functions, yearly_yuan) in SPENDERS.items():
        department = Department.objects.get(code=f"330100-{suffix}")
        officer = _officer(department, Role.DATA_PUBLISHER, password)
        for year in YEARS:
            growth = 1 + 0.04 * (year - YEARS[0])
            planned = []
            for position, function in enumerate(functions):
                share = (len(functions) - position) / sum(range(1, len(functions) + 1))
                for economic, percent in ECONOMIC_SHARES:
                    amount = int(yearly_yuan * growth * share * percent / 100) * 100
                    planned.append(FiscalLine(function, economic, amount))
            services.enter_budget(
                officer,
                department,
                year=year,
                stage="budget",
                lines=planned,
                total_fen=sum(line.amount_fen for line in planned),
            )
            entered += len(planned)
            if year != YEARS[0]:
                continue
            actual = _varied(planned, rng, percent=(88, 101))
            services.enter_budget(
                officer,
                department,
                year=year,
                stage="final",
                lines=actual,
                total_fen=sum(line.amount_fen for line in actual),
            )
            for month in range(1, 13):
                monthly = _varied(actual, rng, percent=(70, 130), parts=12)
                services.enter_spending(
                    officer,
                    department,
                    month=date(year, month, 1),
                    lines=monthly,
                    total_fen=sum(line.amount_fen for line in monthly),
                )
    return entered


def seed_procurement(rng: random.Random, password: str) -> int:
    """30 processes in every state, each bid by three businesses with credit profiles."""
    if Procurement.objects.exists():
        return Procurement.objects.count()
    suppliers = list(
        CreditProfile.objects.order_by("credit_code").values_list("credit_code", "name")
    )
    if len(suppliers) < 3:
        return 0
    for number in range(30):
        suffix, function, title_zh, title_en = PROCUREMENTS[number % len(PROCUREMENTS)]
        department = Department.objects.get(code=f"330100-{suffix}")
        buyer = User.objects.filter(username="buyer", department=department).first() or _officer(
            department, Role.PROCUREMENT_OFFICER, password
        )
        stage = STAGES[number % len(STAGES)]
        planned_on = date(2025, 1, 6) + timedelta(days=9 * number)
        budget_fen = rng.randint(20, 900) * 1_000_000
        batch = "" if number < len(PROCUREMENTS) else f"（{number // len(PROCUREMENTS) + 1}期）"
        process = procurement.plan_procurement(
            buyer,
            department,
            title_zh=f"{title_zh}{batch}",
            title_en=title_en + (f" (lot {number // len(PROCUREMENTS) + 1})" if batch else ""),
            function_code=function,
            method="open" if number % 5 else "selective",
            budget_fen=budget_fen,
            planned_on=planned_on,
        )
        if stage == "planning":
            continue
        start = planned_on + timedelta(days=7)
        end = start + timedelta(days=21)
        procurement.open_tender(buyer, process, start=start, end=end)
        bidders = rng.sample(suppliers, 3)
        for offset, (code, name) in enumerate(bidders):
            procurement.receive_bid(
                buyer,
                process,
                credit_code=code,
                name=name,
                amount_fen=budget_fen * rng.randint(85, 99) // 100,
                received_on=start + timedelta(days=2 + offset),
                no_conflict_declared=True,
            )
        if stage == "tender":
            continue
        if stage == "cancelled":
            procurement.cancel(buyer, process)
            continue
        winner = min(process.bids.all(), key=lambda bid: bid.amount_fen)
        procurement.award(
            buyer, process, credit_code=winner.credit_code, awarded_on=end + timedelta(days=3)
        )
        if stage == "award":
            continue
        assert process.complaint_end is not None
        signed = process.complaint_end + timedelta(days=2)
        procurement.sign_contract(
            buyer,
            process,
            signed_on=signed,
            ends_on=signed + timedelta(days=180),
            milestones=[
                ("交付", signed + timedelta(days=60)),
                ("验收", signed + timedelta(days=150)),
            ],
        )
        if stage == "complete":
            procurement.complete(buyer, process, completed_on=signed + timedelta(days=170))
    return Procurement.objects.count()


def _datasets() -> list[DatasetDefinition]:
    def department(suffix: str) -> Department:
        return Department.objects.get(code=f"330100-{suffix}")

    data, edu = department("DATA"), department("EDU")
    finance = ("finance",)
    return [
        DatasetDefinition(
            name="applications-by-county-and-month",
            title_zh="政务服务办件量（按区县和月份）",
            title_en="Applications by county and month",
            notes_zh="每月各区县受理的政务服务申请，承诺与实际办理时限（工作日）、应到与实到现场次数。",
            notes_en=(
                "Applications filed per county and month, with working days promised and"
                " taken, and visits needed and made."
            ),
            organization=data,
            source=Source.APPLICATIONS,
            groups=("government-services",),
            tags=("办件", "applications", "时限"),
            quasi_identifiers=("division", "filed"),
            generalise={"division": "division_up_2", "filed": "month"},
            measures=(
                {"name": "mean_days_promised", "aggregate": "mean", "source": "days_promised"},
                {"name": "mean_days_taken", "aggregate": "mean", "source": "days_taken"},
                {"name": "mean_visits_made", "aggregate": "mean", "source": "visits_made"},
            ),
            k=5,
            max_suppressed_share=0.5,
            refresh_days=1,
        ),
        DatasetDefinition(
            name="applications-by-service",
            title_zh="政务服务办件量（按事项）",
            title_en="Applications by service",
            notes_zh="各政务服务事项的申请量与平均办理时间。",
            notes_en="Applications per service, with the average working days taken.",
            organization=data,
            source=Source.APPLICATIONS,
            groups=("government-services",),
            tags=("办件", "applications"),
            quasi_identifiers=("service",),
            measures=({"name": "mean_days_taken", "aggregate": "mean", "source": "days_taken"},),
            k=5,
            max_suppressed_share=0.7,
            refresh_days=1,
        ),
        DatasetDefinition(
            name="hotline-cases-by-county-and-month",
            title_zh="12345热线工单（按区县和月份，含差分隐私噪声）",
            title_en="Hotline cases by county and month (with differential-privacy noise)",
            notes_zh="12345热线受理的工单数及平均答复时长（小时）；计数加入拉普拉斯噪声。",
            notes_en=(
                "Hotline cases received and mean hours to the answer; counts carry Laplace noise."
            ),
            organization=department("HOTLINE"),
            source=Source.HOTLINE,
            groups=("hotline",),
            tags=("12345", "hotline", "热线"),
            # By category too once the hotline has the cases for it: the demo's 50 cases
            # spread over 45 categories, every cell under k.
            quasi_identifiers=("division", "received"),
            generalise={"division": "division_up_2", "received": "month"},
            measures=(
                {"name": "mean_hours_to_answer", "aggregate": "mean", "source": "hours_to_answer"},
            ),
            k=3,
            max_suppressed_share=0.8,
            epsilon=1.0,
            epsilon_budget=10.0,
        ),
        DatasetDefinition(
            name="service-catalogue",
            title_zh="政务服务事项目录",
            title_en="Government service catalogue",
            notes_zh="本市公布的政务服务事项实施清单。",
            notes_en="The city's published list of government services.",
            organization=department("GSA"),
            source=Source.CATALOGUE,
            groups=("government-services",),
            tags=("事项", "catalogue"),
            k=1,
            refresh_days=7,
        ),
        *[
            DatasetDefinition(
                name=f"budget-{year}",
                title_zh=f"{year}年部门预算与决算",
                title_en=f"Departmental budgets and final accounts {year}",
                notes_zh="按支出功能分类和经济分类，单位：元。",
                notes_en="By functional and economic classification, in yuan.",
                organization=data,
                source=Source.BUDGET,
                parameters={"year": year},
                groups=finance,
                tags=("预算", "budget", "财政"),
                k=1,
            )
            for year in YEARS
        ],
        DatasetDefinition(
            name="spending-2025",
            title_zh="2025年逐月财政支出",
            title_en="Monthly spending 2025",
            notes_zh="各部门逐月支出，按支出功能分类和经济分类，单位：元。",
            notes_en="Each department's monthly spending by classification, in yuan.",
            organization=data,
            source=Source.SPENDING,
            parameters={"year": 2025},
            groups=finance,
            tags=("支出", "spending", "财政"),
            k=1,
        ),
        DatasetDefinition(
            name="education-spending-2025",
            title_zh="2025年教育支出（逐月）",
            title_en="Education spending 2025 (monthly)",
            notes_zh="教育支出（功能分类205）逐月明细，单位：元。",
            notes_en="Monthly spending on education (functional class 205), in yuan.",
            organization=edu,
            source=Source.SPENDING,
            parameters={"year": 2025, "function": "205"},
            groups=(*finance, "education"),
            tags=("教育", "education", "spending", "支出"),
            k=1,
        ),
        DatasetDefinition(
            name="procurement-contracts",
            title_zh="政府采购项目",
            title_en="Government procurement processes",
            notes_zh="政府采购项目及中标供应商（统一社会信用代码）。OCDS 格式见“政府采购”栏目。",
            notes_en=(
                "Procurement processes and their suppliers (credit codes); OCDS under Procurement."
            ),
            organization=data,
            source=Source.PROCUREMENT,
            groups=("procurement",),
            tags=("采购", "procurement"),
            k=1,
        ),
        DatasetDefinition(
            name="school-places",
            title_zh="中小学学位供给",
            title_en="School places",
            notes_zh="各区县公办中小学学位数。",
            notes_en="Places in public schools by county.",
            organization=edu,
            source=Source.FIXED,
            parameters={
                "fields": [["county", "text"], ["level", "text"], ["places", "int"]],
                "rows": [
                    {"county": county, "level": level, "places": places}
                    for county, base in (
                        ("330102", 21),
                        ("330106", 34),
                        ("330127", 9),
                        ("330182", 11),
                    )
                    for level, places in (("小学", base * 1000), ("初中", base * 450))
                ],
            },
            groups=("education",),
            tags=("教育", "education", "学位"),
            k=1,
        ),
        DatasetDefinition(
            name="bus-shelters",
            title_zh="公交站亭",
            title_en="Bus shelters",
            notes_zh="各区县公交站亭数量。",
            notes_en="Bus shelters by county.",
            organization=department("TRANS"),
            source=Source.FIXED,
            parameters={
                "fields": [["county", "text"], ["shelters", "int"]],
                "rows": [
                    {"county": "330102", "shelters": 412},
                    {"county": "330106", "shelters": 655},
                    {"county": "330127", "shelters": 138},
                    {"county": "330182", "shelters": 171},
                ],
            },
            groups=("transport",),
            tags=("交通", "transport"),
            k=1,
        ),
        DatasetDefinition(
            name="air-quality-stations",
            title_zh="空气质量监测站点",
            title_en="Air quality stations",
            notes_zh="国控与市控空气质量监测站点。",
            notes_en="National and city air quality monitoring stations.",
            organization=department("ECO"),
            source=Source.FIXED,
            parameters={
                "fields": [["station", "text"], ["county", "text"], ["kind", "text"]],
                "rows": [
                    {"station": name, "county": county, "kind": kind}
                    for name, county, kind in (
                        ("西溪", "330106", "国控"),
                        ("浙江农大", "330106", "国控"),
                        ("卧龙桥", "330102", "国控"),
                        ("千岛湖", "330127", "市控"),
                        ("新安江", "330182", "市控"),
                    )
                ],
            },
            groups=("environment",),
            tags=("环境", "environment", "空气"),
            k=1,
        ),
    ]


def seed_datasets() -> tuple[int, list[str]]:
    """Define and publish the demo's datasets; a definition the pipeline refuses is kept
    (its publisher sees why) and named in the return value."""
    published, refused = 0, []
    for definition in _datasets():
        dataset = services.define_dataset(None, definition)
        if dataset.releases.exists():  # seeded before: a second seed publishes nothing
            published += 1
            continue
        try:
            services.publish_release(None, dataset, source=random.Random(definition.name))  # noqa: S311 (demo noise, reproducible)
        except ReleaseRefused as error:
            refused.append(f"{definition.name}: {error}")
            continue
        published += 1
    return published, refused


def seed_open_data(rng: random.Random, password: str) -> str:
    lines = seed_budgets(rng, password)
    processes = seed_procurement(rng, password)
    states = set(Procurement.objects.values_list("status", flat=True))
    assert processes == 0 or states == set(ProcurementStatus.values), states
    published, refused = seed_datasets()
    summary = (
        f"Open data: {published} datasets, {lines} budget lines, {processes} procurement processes"
    )
    if refused:
        summary += "; refused: " + "; ".join(refused)
    return summary + "; see /open-data/."

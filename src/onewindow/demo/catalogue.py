"""The demo city's implementation list: 180-odd items across its departments and levels.

The list is data (`data/catalogue.json`): one compact row per item, with the laws, the
materials and the fees it names. Each row is expanded here into a full definition whose guide
is written from the row's own fields, in both languages, so a guide never says more than the
list does; then published through `catalog.services.publish_service` like any other version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from onewindow.catalog.listing import standard_workflow
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.services import ServiceGuide, guide_of, publish_service

CATALOGUE_FILE = Path(__file__).parent / "data" / "catalogue.json"
CONTACT_PHONE = "12345"  # the citizen hotline answers questions on every item

DEPARTMENTS = {
    "public_security": ("公安局", "Public Security Bureau"),
    "civil_affairs": ("民政局", "Civil Affairs Bureau"),
    "market_supervision": ("市场监督管理局", "Market Supervision Bureau"),
    "human_resources": ("人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    "taxation": ("税务局", "Taxation Bureau"),
    "health": ("卫生健康委员会（局）", "Health Commission"),
    "healthcare_security": ("医疗保障局", "Healthcare Security Bureau"),
    "natural_resources": ("规划和自然资源局", "Planning and Natural Resources Bureau"),
    "housing": (
        "住房和城乡建设局（住房公积金中心）",
        "Housing Bureau (and Housing Provident Fund Centre)",
    ),
    "education": ("教育局", "Education Bureau"),
    "transport": ("交通运输局", "Transport Bureau"),
    "ecology": ("生态环境局", "Ecology and Environment Bureau"),
    "emergency": ("应急管理局", "Emergency Management Bureau"),
    "agriculture": ("农业农村局", "Agriculture and Rural Affairs Bureau"),
    "city_management": ("城市管理局", "Urban Management Bureau"),
    "township_office": ("乡镇人民政府（街道办事处）", "township government (street office)"),
    "development_reform": ("发展和改革委员会", "Development and Reform Commission"),
    "government_services": ("政务服务管理办公室", "Government Services Administration"),
    "peoples_bank": ("中国人民银行分支机构", "People's Bank of China branch"),
}
HALLS = {
    2: (
        "杭州市民中心（上城区解放东路18号）省级事项窗口",
        "Provincial windows, Hangzhou Citizen Centre, 18 Jiefang East Road",
    ),
    3: (
        "杭州市民中心（上城区解放东路18号）",
        "Hangzhou Citizen Centre, 18 Jiefang East Road, Shangcheng District",
    ),
    4: (
        "所在区、县（市）行政服务中心",
        "The administrative service centre of your district or county",
    ),
    5: ("所在乡镇（街道）便民服务中心", "The service centre of your township or street"),
    6: ("所在村（社区）便民服务站", "The service station of your village or community"),
}
HOURS = ("工作日 9:00–12:00，13:30–17:00", "Working days 9:00–12:00 and 13:30–17:00")
AUDIENCES = {
    "citizen": ("个人", "individuals"),
    "business": ("企业和其他组织", "businesses and other organisations"),
    "both": ("个人、企业和其他组织", "individuals, businesses and other organisations"),
}
DEPTHS = {
    "information": (
        "本事项网上提供办事指南，请到窗口办理。",
        "The guide is online; the service is handled at the window.",
    ),
    "download": (
        "可在网上下载表格，到窗口提交。",
        "Download the forms online and hand them in at the window.",
    ),
    "online_filing": (
        "可在网上申报，按需到窗口办结。",
        "File online, then finish at the window when a visit is needed.",
    ),
    "fully_online": ("全程网上办理。", "Handled fully online."),
}


def _implementing_body(kind: str, level: int) -> tuple[str, str]:
    zh, en = DEPARTMENTS[kind]
    if kind == "township_office" or level >= 5:
        prefix = (
            (
                "所在村（社区）便民服务站代办，",
                "your village or community station on your behalf, for ",
            )
            if level == 6
            else ("", "")
        )
        return (
            f"{prefix[0]}所在乡镇人民政府（街道办事处）",
            f"{prefix[1]}your township government or street office",
        )
    where = {
        2: ("浙江省", "the Zhejiang Provincial "),
        3: ("杭州市", "the Hangzhou "),
        4: ("所在区、县（市）", "your district's or county's "),
    }
    return f"{where[level][0]}{zh}", f"{where[level][1]}{en}"


def _fee_text(fee: list[Any] | None) -> tuple[str, str]:
    if not fee:
        return "不收费", "free of charge"
    yuan = f"{fee[0] / 100:g}"
    return f"收费{yuan}元（依据：{fee[1]}）", f"a fee of {yuan} yuan ({fee[2]})"


def _visits_text(visits: int) -> tuple[str, str]:
    if visits == 0:
        return "无需到现场", "no visit needed"
    return f"最多到现场{visits}次", f"at most {visits} visit{'s' if visits > 1 else ''}"


def expand(row: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """The `publish_service` arguments of one compact row, its guide written from its fields."""
    code, kind, level_text, service_type, audience, name_zh, name_en, events = row[:8]
    keywords_zh, keywords_en, law, statutory, promised, visits_text, depth = row[8:15]
    result, material_keys = row[15:17]
    level, visits = int(level_text), int(visits_text)
    result_type, result_zh, result_en = result.split(":")
    law_zh, law_en = data["laws"][law]
    fee = data["fees"].get(code)
    materials = []
    for key in material_keys.split():
        m_zh, m_en, source, form, data_service = data["materials"][key]
        material = {"key": key, "name_zh": m_zh, "name_en": m_en, "source": source,
                    "is_required": True, "form": form, "copies": 1}  # fmt: skip
        if data_service:
            material["exchange_service"] = data_service
        materials.append(material)
    body_zh, body_en = _implementing_body(kind, level)
    fee_zh, fee_en = _fee_text(fee)
    visits_zh, visits_en = _visits_text(visits)
    fetched = [m for m in materials if m["source"] != "upload"]
    given = [m for m in materials if m["source"] == "upload"]
    needs_hall = visits > 0 or depth in ("information", "download")
    guide_zh = (
        f"{name_zh}由{body_zh}办理。{DEPTHS[depth][0]}法定办结时限{statutory}个工作日，"
        f"承诺{promised}个工作日办结；{visits_zh}；{fee_zh}。"
        + (f"需提交：{'、'.join(m['name_zh'] for m in given)}。" if given else "无需提交材料。")
        + (
            f"{'、'.join(m['name_zh'] for m in fetched)}由平台向有关部门调取，无需提交。"
            if fetched
            else ""
        )
        + (
            f"办理结果：{result_zh}。"
            if result_type != "none"
            else "办理完成后不出具证照或文书，结果可在网上查询。"
        )
    )
    guide_en = (
        f"{name_en} is handled by {body_en}. {DEPTHS[depth][1]} The statutory time limit is "
        f"{statutory} working days and the promise {promised}; {visits_en}; {fee_en}. "
        + (
            f"You provide: {', '.join(m['name_en'].lower() for m in given)}. "
            if given
            else "Nothing to provide. "
        )
        + (
            f"The platform fetches {', '.join(m['name_en'].lower() for m in fetched)} "
            "from the departments that hold them. "
            if fetched
            else ""
        )
        + (
            f"You receive: {result_en}."
            if result_type != "none"
            else "No licence or document is issued; the outcome shows online."
        )
    )
    aud_zh, aud_en = AUDIENCES[audience]
    hall_zh, hall_en = HALLS[level] if needs_hall else ("", "")
    hours_zh, hours_en = HOURS if needs_hall else ("", "")
    guide = ServiceGuide(
        name_zh=name_zh,
        name_en=name_en,
        basic_code=code,
        service_type=service_type,
        audience=audience,
        statutory_days=int(statutory),
        promised_days=int(promised),
        workflow=standard_workflow(kind, level, int(promised)),
        guide_zh=guide_zh,
        guide_en=guide_en.strip(),
        conditions_zh=f"符合{law_zh}规定条件的{aud_zh}。",
        conditions_en=f"{aud_en.capitalize()} who meet the conditions of the {law_en}.",
        keywords_zh=keywords_zh,
        keywords_en=keywords_en,
        legal_basis_zh=law_zh,
        legal_basis_en=law_en,
        materials=materials,
        fee_fen=fee[0] if fee else 0,
        fee_basis_zh=fee[1] if fee else "",
        fee_basis_en=fee[2] if fee else "",
        visits=visits,
        online_depth=depth,
        hall_zh=hall_zh,
        hall_en=hall_en,
        hours_zh=hours_zh,
        hours_en=hours_en,
        delivery_options=["pickup", "post"] if result_type == "licence" else ["electronic"],
        result_type=result_type,
        result_name_zh=result_zh,
        result_name_en=result_en,
        contact_phone=CONTACT_PHONE,
    )
    division = "330000" if level == 2 else "330100"
    return {
        "code": f"{division}-{code}",
        "department_kind": kind,
        "level": level,
        "life_events": events.split(),
        "is_apply_anywhere": False,
        "guide": guide,
    }


def definitions() -> list[dict[str, Any]]:
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return [expand(row, data) for row in data["items"]]


def seed_city_catalogue() -> int:
    """Publish every item of the list whose current version differs from its row (all of them
    on a first run, none on a second); returns how many were published."""
    current = {
        item.code: item.current_version
        for item in ServiceItem.objects.select_related("current_version")
    }
    published = 0
    for definition in definitions():
        version = current.get(definition["code"])
        if version is not None and guide_of(version) == definition["guide"]:
            continue
        publish_service(**definition, reason="杭州市政务服务事项实施清单（演示）")
        published += 1
    return published

"""The data services every installation starts with, published for the departments that
own the data (the city's department of each kind, else the nearest level that has one)."""

from __future__ import annotations

from typing import Any

from onewindow.core.divisions import Level
from onewindow.exchange.models import DataService, SharingClass
from onewindow.identity.models import Department, DepartmentKind


def _field(name: str, kind: str, zh: str, en: str) -> dict[str, str]:
    return {"name": name, "type": kind, "label_zh": zh, "label_en": en}


def _list(name: str, zh: str, en: str, items: list[dict[str, str]]) -> dict[str, Any]:
    """A field whose value is a list of records (a department keeps many per subject)."""
    return {**_field(name, "list", zh, en), "items": items}


# What every department's administrative-penalty service answers with, one row per decision.
# The publicity period end is the issuing authority's (within the national rules, which the
# credit platform applies as data: exchange.credit.PUBLICITY_RULES).
PENALTY_ITEMS = [
    _field("decision_number", "string", "行政处罚决定书文号", "Penalty decision number"),
    _field("decided_on", "date", "处罚决定日期", "Decided on"),
    _field("authority", "string", "处罚机关", "Penalising authority"),
    _field("violation", "string", "违法行为类型及事实", "Violation"),
    _field("penalty_type", "string", "处罚类别", "Type of penalty"),
    _field("legal_basis", "string", "处罚依据", "Legal basis"),
    _field("fine_fen", "integer", "罚款金额（分）", "Fine (fen)"),
    _field("publicity_category", "string", "公示类别", "Publicity category"),
    _field("publicity_ends_on", "date", "公示截止期", "Publicity ends on"),
]
PENALTY_LEGAL_BASIS_ZH = (
    "《中华人民共和国行政处罚法》第四十八条；《企业信息公示暂行条例》第七条；"
    "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令2023年第58号）"
)
PENALTY_LEGAL_BASIS_EN = (
    "Administrative Penalty Law of the PRC, article 48; Interim Regulations on Enterprise "
    "Information Publicity, article 7; Measures for Repairing Credit Information after "
    "Dishonest Conduct Is Corrected (Trial), NDRC Order No. 58 of 2023"
)


SERVICES: tuple[dict[str, Any], ...] = (
    {
        "code": "public_security.household_registration",
        "kind": DepartmentKind.PUBLIC_SECURITY,
        "name_zh": "户籍信息查询",
        "name_en": "Household registration lookup",
        "subject_kind": "person",
        "request_fields": ["resident_id"],
        "response_fields": [
            _field("name", "string", "姓名", "Name"),
            _field("sex", "string", "性别", "Sex"),
            _field("birth_date", "date", "出生日期", "Date of birth"),
            _field("household_division", "string", "户籍地", "Registered household division"),
            _field("household_head", "string", "户主", "Head of household"),
        ],
        "legal_basis_zh": "《中华人民共和国户口登记条例》；《政务信息资源共享管理暂行办法》",
        "legal_basis_en": (
            "Household Registration Regulations; Interim Measures on Sharing Government Information"
        ),
    },
    {
        "code": "civil_affairs.marriage_record",
        "kind": DepartmentKind.CIVIL_AFFAIRS,
        "name_zh": "婚姻登记信息查询",
        "name_en": "Marriage status",
        "subject_kind": "person",
        "request_fields": ["resident_id"],
        "response_fields": [
            _field("status", "string", "婚姻状况", "Marital status"),
            _field("registered_on", "date", "登记日期", "Registered on"),
            _field("spouse_name", "string", "配偶姓名", "Spouse's name"),
        ],
        "legal_basis_zh": "《婚姻登记条例》",
        "legal_basis_en": "Marriage Registration Regulations",
    },
    {
        "code": "market_supervision.business_registration",
        "kind": DepartmentKind.MARKET_SUPERVISION,
        "name_zh": "企业登记信息查询",
        "name_en": "Business registration record",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [
            _field("name", "string", "企业名称", "Business name"),
            _field("legal_representative", "string", "法定代表人", "Legal representative"),
            _field("registered_on", "date", "成立日期", "Registered on"),
            _field("status", "string", "登记状态", "Registration status"),
            _field("registration_authority", "string", "登记机关", "Registration authority"),
        ],
        "legal_basis_zh": "《市场主体登记管理条例》",
        "legal_basis_en": "Market Entity Registration Regulations",
    },
    {
        "code": "health.birth_certificate",
        "kind": DepartmentKind.HEALTH,
        "name_zh": "出生医学证明信息",
        "name_en": "Birth medical certificate",
        "subject_kind": "person",
        "request_fields": ["resident_id"],
        "response_fields": [
            _field("certificate_number", "string", "证明编号", "Certificate number"),
            _field("baby_name", "string", "新生儿姓名", "Baby's name"),
            _field("birth_date", "date", "出生日期", "Date of birth"),
            _field("hospital", "string", "接生机构", "Hospital"),
        ],
        "legal_basis_zh": "《中华人民共和国母婴保健法》第二十三条",
        "legal_basis_en": "Maternal and Infant Health Care Law, article 23",
    },
    {
        "code": "human_resources.social_insurance_status",
        "kind": DepartmentKind.HUMAN_RESOURCES,
        "name_zh": "社会保险参保缴费信息查询",
        "name_en": "Social insurance status",
        "subject_kind": "person",
        "request_fields": ["resident_id"],
        "response_fields": [
            _field("is_insured", "boolean", "是否参保", "Insured"),
            _field("schemes", "list", "参保险种", "Schemes"),
            _field("employer", "string", "参保单位", "Contributing employer"),
            _field("contribution_months", "integer", "累计缴费月数", "Months contributed"),
            _field("last_paid_month", "string", "最近缴费年月", "Last month paid"),
            _field("status", "string", "参保状态", "Status"),
        ],
        "legal_basis_zh": "《中华人民共和国社会保险法》第七十四条；《社会保险经办条例》第三十五条",
        "legal_basis_en": (
            "Social Insurance Law of the PRC, article 74; Regulations on Social Insurance "
            "Handling, article 35"
        ),
    },
    {
        "code": "taxation.tax_clearance",
        "kind": DepartmentKind.TAXATION,
        "name_zh": "无欠税证明信息",
        "name_en": "Tax clearance (no tax arrears)",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [
            _field("has_arrears", "boolean", "是否存在欠税", "Tax arrears outstanding"),
            _field("checked_on", "date", "查询截止日期", "Checked as of"),
            _field("certificate_number", "string", "无欠税证明编号", "Certificate number"),
            _field("tax_credit_grade", "string", "纳税信用级别", "Tax credit grade"),
        ],
        "legal_basis_zh": (
            "《中华人民共和国税收征收管理法》；"
            "《国家税务总局关于开具〈无欠税证明〉有关事项的公告》（2019年第47号）"
        ),
        "legal_basis_en": (
            "Tax Collection Administration Law of the PRC; State Taxation Administration "
            "Announcement No. 47 of 2019 on issuing tax clearance certificates"
        ),
    },
    {
        "code": "natural_resources.real_estate_ownership",
        "kind": DepartmentKind.NATURAL_RESOURCES,
        "name_zh": "不动产登记信息查询",
        "name_en": "Real-estate ownership",
        "subject_kind": "person",
        "request_fields": ["resident_id"],
        "response_fields": [
            _list(
                "properties",
                "不动产权利",
                "Registered properties",
                [
                    _field("certificate_number", "string", "不动产权证书号", "Title number"),
                    _field("location", "string", "坐落", "Location"),
                    _field("usage", "string", "用途", "Use"),
                    _field("floor_area_m2", "number", "建筑面积（平方米）", "Floor area (m²)"),
                    _field("share", "string", "共有情况", "Ownership share"),
                    _field("registered_on", "date", "登记日期", "Registered on"),
                ],
            ),
            _field("is_mortgaged", "boolean", "是否存在抵押", "Mortgaged"),
            _field("is_seized", "boolean", "是否存在查封", "Under court seizure"),
        ],
        "legal_basis_zh": (
            "《不动产登记暂行条例》第二十七条；《中华人民共和国民法典》第二百一十八条"
        ),
        "legal_basis_en": (
            "Interim Regulations on Real Estate Registration, article 27; Civil Code of the PRC, "
            "article 218"
        ),
    },
    # ----- the sources of businesses' credit profiles ---------------------------------------
    {
        "code": "market_supervision.administrative_licences",
        "kind": DepartmentKind.MARKET_SUPERVISION,
        "name_zh": "行政许可信息（市场监管）",
        "name_en": "Administrative licences (market supervision)",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [
            _list(
                "licences",
                "行政许可决定",
                "Licence decisions",
                [
                    _field("licence_number", "string", "许可证书编号", "Licence number"),
                    _field("title", "string", "许可证书名称", "Licence"),
                    _field("decided_on", "date", "许可决定日期", "Decided on"),
                    _field("valid_until", "date", "有效期至", "Valid until"),
                    _field("authority", "string", "许可机关", "Licensing authority"),
                    _field("content", "string", "许可内容", "What it permits"),
                    _field("legal_basis", "string", "许可依据", "Legal basis"),
                ],
            ),
        ],
        "legal_basis_zh": "《中华人民共和国行政许可法》第四十条；《企业信息公示暂行条例》第七条",
        "legal_basis_en": (
            "Administrative Licensing Law of the PRC, article 40; Interim Regulations on "
            "Enterprise Information Publicity, article 7"
        ),
    },
    {
        "code": "ecology.administrative_penalties",
        "kind": DepartmentKind.ECOLOGY,
        "name_zh": "行政处罚信息（生态环境）",
        "name_en": "Administrative penalties (ecology and environment)",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [_list("penalties", "行政处罚决定", "Penalty decisions", PENALTY_ITEMS)],
        "legal_basis_zh": PENALTY_LEGAL_BASIS_ZH,
        "legal_basis_en": PENALTY_LEGAL_BASIS_EN,
    },
    {
        "code": "emergency.administrative_penalties",
        "kind": DepartmentKind.EMERGENCY,
        "name_zh": "行政处罚信息（应急管理）",
        "name_en": "Administrative penalties (emergency management)",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [_list("penalties", "行政处罚决定", "Penalty decisions", PENALTY_ITEMS)],
        "legal_basis_zh": PENALTY_LEGAL_BASIS_ZH,
        "legal_basis_en": PENALTY_LEGAL_BASIS_EN,
    },
    {
        "code": "human_resources.commendations",
        "kind": DepartmentKind.HUMAN_RESOURCES,
        "name_zh": "表彰奖励信息（人力社保）",
        "name_en": "Commendations (human resources and social security)",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [
            _list(
                "commendations",
                "表彰奖励",
                "Commendations",
                [
                    _field("document_number", "string", "表彰文件文号", "Commendation document"),
                    _field("title", "string", "荣誉称号", "Honour"),
                    _field("awarded_on", "date", "表彰日期", "Awarded on"),
                    _field("authority", "string", "表彰机关", "Awarded by"),
                ],
            ),
        ],
        "legal_basis_zh": "《全国公共信用信息基础目录》（表彰奖励信息）",
        "legal_basis_en": "National Basic Catalogue of Public Credit Information (commendations)",
    },
    {
        "code": "market_supervision.abnormal_operations",
        "kind": DepartmentKind.MARKET_SUPERVISION,
        "name_zh": "经营异常名录信息",
        "name_en": "Abnormal-operations list",
        "subject_kind": "business",
        "request_fields": ["credit_code"],
        "response_fields": [
            _list(
                "listings",
                "列入经营异常名录记录",
                "Listings",
                [
                    _field("decision_number", "string", "列入决定书文号", "Listing decision"),
                    _field("listed_on", "date", "列入日期", "Listed on"),
                    _field("reason", "string", "列入原因", "Reason"),
                    _field("authority", "string", "作出决定机关", "Listing authority"),
                    _field("removed_on", "date", "移出日期", "Removed on"),
                    _field("removal_reason", "string", "移出原因", "Reason for removal"),
                ],
            ),
        ],
        "legal_basis_zh": "《企业信息公示暂行条例》第十七条；《企业经营异常名录管理暂行办法》",
        "legal_basis_en": (
            "Interim Regulations on Enterprise Information Publicity, article 17; Interim "
            "Measures on the Abnormal-Operations List"
        ),
    },
)


def seed_data_services() -> list[DataService]:
    found = []
    for definition in SERVICES:
        # The city's department holds the city's records; else the nearest level that has one.
        kind = Department.objects.filter(kind=definition["kind"])
        provider = (
            kind.filter(division__level=Level.CITY).order_by("code").first()
            or kind.order_by("division__level", "code").first()
        )
        if provider is None:
            continue
        values = {k: v for k, v in definition.items() if k not in ("code", "kind")}
        service, _created = DataService.objects.update_or_create(
            code=definition["code"],
            defaults={**values, "provider": provider, "sharing_class": SharingClass.CONDITIONAL},
        )
        found.append(service)
    return found

"""The data services every installation starts with, published for the departments that
own the data (the city's department of each kind, else the nearest level that has one)."""

from __future__ import annotations

from typing import Any

from onewindow.core.divisions import Level
from onewindow.exchange.models import DataService, SharingClass
from onewindow.identity.models import Department, DepartmentKind


def _field(name: str, kind: str, zh: str, en: str) -> dict[str, str]:
    return {"name": name, "type": kind, "label_zh": zh, "label_en": en}


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

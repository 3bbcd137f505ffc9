"""Departments, officers and filed applications for the workflow tests, via real services."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any, TypedDict

from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja.responses import NinjaJSONEncoder

from onewindow.applications import services
from onewindow.applications.api import ApplicationDetailOut
from onewindow.applications.models import Application, Draft, StatusDocument
from onewindow.applications.workflow import status
from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.seed import seed_catalog
from onewindow.core.models import Division
from onewindow.identity import services as identity_services
from onewindow.identity.models import Department, DepartmentKind, User
from tests.identity.factories import PASSWORD

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_numbers = itertools.count(1)


class World(TypedDict):
    """The map, every department and the published catalogue (most tests' `world`)."""

    divisions: dict[str, Division]
    departments: dict[str, Department]
    versions: dict[str, ServiceItemVersion]


def world(divisions: dict[str, Division]) -> World:
    return {
        "divisions": divisions,
        "departments": departments(divisions),
        "versions": catalogue(),
    }


def departments(divisions: dict[str, Division]) -> dict[str, Department]:
    """Every department kind at the city; public security, market supervision and civil
    affairs also in both counties (as in the demo city)."""
    made: dict[str, Department] = {}
    for kind in DepartmentKind:
        made[f"330100-{kind.value}"] = Department.objects.create(
            code=f"330100-{kind.value}",
            name_zh=f"杭州市{kind.label}",
            name_en=f"Hangzhou {kind.label}",
            kind=kind,
            division=divisions["city"],
        )
    for county in ("330106", "330127"):
        for kind in (
            DepartmentKind.PUBLIC_SECURITY,
            DepartmentKind.MARKET_SUPERVISION,
            DepartmentKind.CIVIL_AFFAIRS,
        ):
            made[f"{county}-{kind.value}"] = Department.objects.create(
                code=f"{county}-{kind.value}",
                name_zh=f"区{kind.label}",
                name_en=f"District {kind.label}",
                kind=kind,
                division=Division.objects.get(code=county),
                parent=made[f"330100-{kind.value}"],
            )
    return made


def officer(department: Department, role: str = "reviewer", *, username: str = "") -> User:
    user = identity_services.create_officer(
        username=username or f"officer{next(_numbers)}",
        password=PASSWORD,
        real_name="李明",
        department=department,
        roles=(role,),
    )
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def catalogue() -> dict[str, ServiceItemVersion]:
    versions = {}
    for item in seed_catalog():
        assert item.current_version is not None
        versions[item.code] = item.current_version
    return versions


BIRTH = "330000-PSB-HJ-001"
COMPANY = "330000-AMR-QY-001"
INVESTMENT = "330000-DRC-TZ-001"
SOCIAL_SECURITY_CARD = "330000-HRSS-SB-001"

BIRTH_FORM = {
    "baby_name": "王小宝",
    "baby_sex": "female",
    "birth_date": "2026-11-01",
    "birth_certificate_number": "Q330012345",
    "household_of": "mother",
}
COMPANY_FORM = {
    "company_name": "杭州西湖云帆科技有限公司",
    "registered_capital_wan": 100,
    "business_scope": "软件开发；信息技术咨询服务",
    "registered_address": "杭州市西湖区文三路 90 号",
    "employees": 5,
    "seal_count": 3,
}


def draft_with_uploads(applicant: User, version: ServiceItemVersion, **extra: Any) -> Draft:
    draft = services.save_draft(applicant, version, {}, **extra)
    for material in version.materials:
        if material["source"] == "upload" and material.get("is_required", True):
            services.add_upload(
                applicant, draft, material_key=material["key"], name="scan.pdf", content=PDF
            )
    return draft


def file(
    applicant: User,
    version: ServiceItemVersion,
    form: dict[str, Any],
    *,
    delivery: str = "electronic",
    **extra: Any,
) -> Application:
    draft = draft_with_uploads(applicant, version, business=extra.get("business"))
    return services.submit_application(
        applicant,
        version,
        form,
        idempotency_key=uuid.uuid4().hex,
        delivery=delivery,
        draft=draft,
        **extra,
    )


def full_model_answer(application: Application) -> str:
    """What GET /api/v1/applications/{ref} answered before the status document: the detail
    schema resolved from the models and rendered as django-ninja renders it."""
    fresh = Application.objects.get(pk=application.pk)
    return json.dumps(ApplicationDetailOut.from_orm(fresh).model_dump(), cls=NinjaJSONEncoder)


def assert_status_document_agrees(application: Application) -> None:
    """The stored document equals the one rebuilt from the models now, and the answer read
    from it equals the full-model answer, in both languages."""
    stored = StatusDocument.objects.get(pk=application.pk)
    rebuilt = status.build(application.pk)
    assert rebuilt is not None
    assert (stored.ref, stored.body, stored.fetched) == (rebuilt.ref, rebuilt.body, rebuilt.fetched)
    assert (stored.applicant_id, stored.filed_by_id, stored.business_id) == (
        rebuilt.applicant_id,
        rebuilt.filed_by_id,
        rebuilt.business_id,
    )
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert status.read_answer(stored.applicant_id, stored.ref) == full_model_answer(
                application
            )

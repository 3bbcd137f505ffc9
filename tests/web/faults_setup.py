"""Data for the fault test, made through the real services in the test's own database:
the map, departments, catalogue, citizens with sessions and drafts ready to file.

    python -m tests.web.faults_setup CITIZENS DRAFTS_EACH   (prints JSON on its last line)
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date
from typing import Any

import django

from tests.instances import session_for

SERVICE = "330000-HRSS-SB-001"  # social security card: one required upload (a photo)
PASSWORD = "faults-password-2026"


def define_map() -> dict[str, Any]:
    from onewindow.core.divisions import EconomicRegion, Level, UrbanRural
    from onewindow.core.services import define_division

    rows: list[tuple[str, str, Level, str, str, str | None, dict[str, Any]]] = [
        # key, code, level, name_zh, name_en, parent key, extra
        ("nation", "000000", Level.NATION, "中华人民共和国", "PRC", None, {}),
        ("province", "330000", Level.PROVINCE, "浙江省", "Zhejiang", "nation",
         {"economic_region": EconomicRegion.EAST}),
        ("city", "330100", Level.CITY, "杭州市", "Hangzhou", "province", {}),
        ("district", "330106", Level.COUNTY, "西湖区", "Xihu District", "city", {}),
        ("street", "330106001", Level.TOWNSHIP, "北山街道", "Beishan", "district",
         {"urban_rural": UrbanRural.MAIN_URBAN}),
        ("community", "330106001001", Level.VILLAGE, "北山第1社区", "Beishan 1", "street",
         {"urban_rural": UrbanRural.MAIN_URBAN}),
        ("county", "330127", Level.COUNTY, "淳安县", "Chun'an County", "city", {}),
    ]  # fmt: skip
    made: dict[str, Any] = {}
    for key, code, level, name_zh, name_en, parent, extra in rows:
        made[key] = define_division(
            code=code,
            level=level,
            name_zh=name_zh,
            name_en=name_en,
            parent=made[parent] if parent else None,
            **extra,
        )
    return made


def setup(citizens: int, drafts_each: int) -> dict[str, Any]:
    from onewindow.applications import services
    from onewindow.applications.models import Draft, Upload
    from onewindow.core.validators import generate_resident_id
    from onewindow.identity.services import register_citizen
    from tests.applications.factories import PDF, catalogue, departments

    made = define_map()
    departments(made)
    version = catalogue()[SERVICE]
    rng = random.Random(2026)
    people = []
    for n in range(citizens):
        birth = date(1970 + n, 1 + n % 12, 1 + n % 28)
        user = register_citizen(
            username=f"resident{n}",
            password=PASSWORD,
            real_name="王芳",
            id_number=generate_resident_id(rng, division_code="330106", birth=birth),
            mobile=f"139{n:08d}",
            division=made["community"],
        )
        first = services.save_draft(user, version, {})
        upload = services.add_upload(user, first, material_key="photo", name="p.pdf", content=PDF)
        # The others copy the first draft and its stored photo (setup speed only).
        clones = Draft.objects.bulk_create(
            Draft(applicant=user, item_version=version, form_data={})
            for _ in range(drafts_each - 1)
        )
        fields = {
            f.attname: getattr(upload, f.attname)
            for f in Upload._meta.concrete_fields
            if f.attname not in ("id", "draft_id")
        }
        Upload.objects.bulk_create(Upload(**fields, draft=draft) for draft in clones)
        people.append({"session": session_for(user), "drafts": [first.pk, *(d.pk for d in clones)]})
    return {"service": SERVICE, "people": people}


if __name__ == "__main__":
    django.setup()
    print(json.dumps(setup(int(sys.argv[1]), int(sys.argv[2]))))

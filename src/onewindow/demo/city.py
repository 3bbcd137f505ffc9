"""The demo city: Hangzhou, Zhejiang, with two urban districts and two rural counties.

The city itself is data, in `data/city.json` (divisions, departments, demo officers); this
module reads it once and hands it to the seed as typed values. Province, city and county
codes are the real GB/T 2260 codes; township and village codes have the real statistical
format (9 and 12 digits) but are generated for the demo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onewindow.identity.models import DepartmentKind, Role

DEMO_PASSWORD = "OneWindow-demo-2026"


@dataclass(frozen=True)
class County:
    code: str
    name_zh: str
    name_en: str
    is_urban: bool
    townships: tuple[tuple[str, str], ...]  # (name_zh, name_en)


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    real_name: str
    department: str  # department code
    roles: tuple[str, ...]


_DATA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "city.json").read_text(encoding="utf-8")
)


def _division(key: str) -> tuple[str, str, str]:
    entry = _DATA[key]
    return (entry["code"], entry["name_zh"], entry["name_en"])


def _departments(key: str) -> tuple[tuple[str, DepartmentKind, str, str], ...]:
    return tuple(
        (entry["suffix"], DepartmentKind(entry["kind"]), entry["name_zh"], entry["name_en"])
        for entry in _DATA[key]
    )


NATION = _division("nation")
PROVINCE = _division("province")
CITY = _division("city")
COUNTIES = tuple(
    County(
        county["code"],
        county["name_zh"],
        county["name_en"],
        county["is_urban"],
        tuple((township["name_zh"], township["name_en"]) for township in county["townships"]),
    )
    for county in _DATA["counties"]
)
VILLAGES_PER_TOWNSHIP: int = _DATA["villages_per_township"]
# (code suffix, kind, name_zh, name_en) at the city; every county gets a branch of these.
CITY_DEPARTMENTS = _departments("city_departments")
COUNTY_BRANCHES: tuple[str, ...] = tuple(_DATA["county_branches"])
PROVINCE_DEPARTMENTS = _departments("province_departments")
# Township offices (statistical codes of the demo's Beishan Subdistrict and Wangfu Township).
TOWNSHIP_OFFICES: tuple[str, ...] = tuple(_DATA["township_offices"])
DEMO_OFFICERS = tuple(
    DemoOfficer(
        officer["username"],
        officer["real_name"],
        officer["department"],
        tuple(Role(role) for role in officer["roles"]),
    )
    for officer in _DATA["officers"]
)

"""A city with the departments that handle sensor events, its operators and sensors, built
through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field

from onewindow.cityops import services
from onewindow.cityops.models import Sensor, SensorKind
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, Role, User
from tests.identity.factories import officer

KINDS = (
    DepartmentKind.EMERGENCY,
    DepartmentKind.ECOLOGY,
    DepartmentKind.CITY_MANAGEMENT,
    DepartmentKind.TRANSPORT,
    DepartmentKind.GENERAL_OFFICE,
)


@dataclass
class City:
    divisions: dict[str, Division]
    departments: dict[str, Department] = field(default_factory=dict)
    operator: User | None = None
    officers: dict[str, User] = field(default_factory=dict)
    sensors: list[Sensor] = field(default_factory=list)


def city(divisions: dict[str, Division], *, sensors: int = 4) -> City:
    """The departments at the city (urban management also in Xihu District), an operator
    (dispatcher), one officer per department, and `sensors` sensors of each kind spread
    over Xihu's community and Chun'an's village, each far from the others."""
    made = City(divisions)
    for department_kind in KINDS:
        made.departments[department_kind.value] = Department.objects.create(
            code=f"330100-{department_kind.value}",
            name_zh=f"杭州市{department_kind.label}",
            name_en=f"Hangzhou {department_kind.label}",
            kind=department_kind,
            division=divisions["city"],
        )
    made.departments["xihu-city_management"] = Department.objects.create(
        code="330106-city_management",
        name_zh="西湖区城管局",
        name_en="Xihu Urban Management",
        kind=DepartmentKind.CITY_MANAGEMENT,
        division=divisions["district"],
    )
    made.operator = officer(
        made.departments["general_office"], roles=(Role.DISPATCHER,), username="operator"
    )
    for key, department in made.departments.items():
        made.officers[key] = officer(department, roles=("reviewer",), username=f"officer-{key}")
    for index in range(sensors):
        for offset, kind in enumerate(SensorKind):
            place = divisions["community" if index % 2 == 0 else "village"]
            base = (30.26, 120.13) if index % 2 == 0 else (29.62, 118.95)
            made.sensors.append(
                services.register_sensor(
                    made.operator,
                    ref=f"{kind.value[:5]}-{index:02d}",
                    kind=kind,
                    division=place,
                    place=f"{kind.label} {index}",
                    # 0.01° apart: about a kilometre, more than the merge distance.
                    latitude=base[0] + 0.01 * index,
                    longitude=base[1] + 0.01 * offset,
                )
            )
    return made


def department_for(made: City, sensor: Sensor) -> Department:
    """Where an event of this sensor goes: urban management of Xihu for the community's
    manhole covers, else the city's department of the kind."""
    from onewindow.cityops.readings import RULES

    kind = RULES[sensor.kind].department_kind
    if kind == "city_management" and sensor.division.code.startswith("330106"):
        return made.departments["xihu-city_management"]
    return made.departments[kind]

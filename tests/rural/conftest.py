from __future__ import annotations

import pytest

from onewindow.core.models import Division
from onewindow.identity.models import Department, User
from tests.identity.factories import citizen, resident_id
from tests.rural import factories


@pytest.fixture
def agriculture(divisions: dict[str, Division]) -> Department:
    return factories.agriculture(divisions["city"])


@pytest.fixture
def farmer(divisions: dict[str, Division]) -> User:
    return citizen(divisions["village"], id_number=resident_id(division_code="330127"))


@pytest.fixture
def agent(divisions: dict[str, Division]) -> User:
    return factories.station_agent(divisions["village"])

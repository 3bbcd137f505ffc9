"""Shared fixtures: the administrative map, people built through the real services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from onewindow.core.divisions import EconomicRegion, Level, UrbanRural
from onewindow.core.models import Division
from onewindow.core.reference_cache import forget_all
from onewindow.core.services import define_division
from tests.instances import ROOT, SQLITE_FILE

# A test that asks for none of these (and has no django_db mark) never reaches the test
# database: its outcome cannot depend on the engine.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the marks added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if (
            item.get_closest_marker("django_db") is None
            and item.get_closest_marker("faults") is None
            and not DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        ):
            item.add_marker(pytest.mark.db_agnostic)
    if os.environ.get("ONEWINDOW_REQUIRE_POSTGRES") != "1":
        return
    # CI's second run must really be on PostgreSQL: fail loudly if DATABASE_URL was lost.
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise pytest.UsageError("ONEWINDOW_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")


@pytest.fixture(autouse=True)
def _fresh_reference_data() -> None:
    """Each test starts with the per-process reference caches empty (core.reference_cache)
    and in the site's default language: a request served in Chinese leaves its language
    active on the thread (LocaleMiddleware never deactivates), and a later test calling a
    service directly would read that service's messages in Chinese."""
    forget_all()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated SQLite database, made once per run with the real migrations
    (`onewindow migrate` in a subprocess, as an operator would): tests that start OneWindow
    processes copy it (`tests.instances.copy_migrated_sqlite`) instead of migrating again."""
    folder = tmp_path_factory.mktemp("migrated")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEWINDOW_TASKS_URL"}},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "ONEWINDOW_VAR_DIR": str(folder),
    }
    # Our own interpreter and CLI with fixed arguments: nothing untrusted reaches this call.
    subprocess.run(
        [sys.executable, "-m", "onewindow.config.cli", "migrate", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    return folder / SQLITE_FILE


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("ONEWINDOW_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL tests are mandatory here, but the database is not PostgreSQL")
        pytest.skip(
            "needs PostgreSQL: run with DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"
        )


@pytest.fixture
def divisions(db: None) -> dict[str, Division]:
    """Nation → Zhejiang → Hangzhou → Xihu District → Beishan Subdistrict → a community,
    plus a rural county with a township and a village."""
    nation = define_division(
        code="000000",
        level=Level.NATION,
        name_zh="中华人民共和国",
        name_en="People's Republic of China",
        parent=None,
    )
    province = define_division(
        code="330000",
        level=Level.PROVINCE,
        name_zh="浙江省",
        name_en="Zhejiang Province",
        parent=nation,
        economic_region=EconomicRegion.EAST,
    )
    city = define_division(
        code="330100", level=Level.CITY, name_zh="杭州市", name_en="Hangzhou", parent=province
    )
    district = define_division(
        code="330106", level=Level.COUNTY, name_zh="西湖区", name_en="Xihu District", parent=city
    )
    street = define_division(
        code="330106001",
        level=Level.TOWNSHIP,
        name_zh="北山街道",
        name_en="Beishan Subdistrict",
        parent=district,
        urban_rural=UrbanRural.MAIN_URBAN,
    )
    community = define_division(
        code="330106001001",
        level=Level.VILLAGE,
        name_zh="北山第1社区",
        name_en="Beishan Community 1",
        parent=street,
        urban_rural=UrbanRural.MAIN_URBAN,
    )
    county = define_division(
        code="330127", level=Level.COUNTY, name_zh="淳安县", name_en="Chun'an County", parent=city
    )
    township = define_division(
        code="330127201",
        level=Level.TOWNSHIP,
        name_zh="王阜乡",
        name_en="Wangfu Township",
        parent=county,
        urban_rural=UrbanRural.RURAL_CENTRE,
    )
    village = define_division(
        code="330127201202",
        level=Level.VILLAGE,
        name_zh="王阜2村",
        name_en="Wangfu Village 2",
        parent=township,
        urban_rural=UrbanRural.VILLAGE,
    )
    return {
        "nation": nation,
        "province": province,
        "city": city,
        "district": district,
        "street": street,
        "community": community,
        "county": county,
        "township": township,
        "village": village,
    }

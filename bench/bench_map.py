"""What every benchmark's world starts from: a fresh, migrated database (`fresh_database`),
then the map defined through the real service: China → Zhejiang → Hangzhou (`hangzhou`);
and how a timing is taken (`median_ms`)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for real after django.setup()
    from onewindow.core.models import Division


def fresh_database(name: str, *, migrate: bool = True) -> None:
    """Set up Django on `DATABASE_URL` (a PostgreSQL database must exist and is migrated from
    zero) or, without one, on a new SQLite file in a temp dir that also holds the var dir."""
    workdir = tempfile.mkdtemp(prefix=f"onewindow-bench-{name}-")
    os.environ.setdefault("ONEWINDOW_VAR_DIR", workdir)
    os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{workdir}/bench.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings_test")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def hangzhou() -> Division:
    """The nation, the province and the city; returns the city (330100). Call after
    `django.setup()`."""
    from onewindow.core.divisions import Level
    from onewindow.core.services import define_division

    lineage: list[tuple[str, int, str, str, dict[str, Any]]] = [
        ("000000", Level.NATION, "中国", "China", {}),
        ("330000", Level.PROVINCE, "浙江省", "Zhejiang", {"economic_region": "east"}),
        ("330100", Level.CITY, "杭州市", "Hangzhou", {}),
    ]
    parent = None
    for code, level, name_zh, name_en, extra in lineage:
        parent = define_division(
            code=code, level=level, name_zh=name_zh, name_en=name_en, parent=parent, **extra
        )
    assert parent is not None
    return parent


def median_ms(work: Callable[[], Any], repeat: int) -> float:
    """The median wall time of `repeat` calls of `work`, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)

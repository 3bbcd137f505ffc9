"""Hotline intake: cases filed per second through `grievances.intake.submit_case`, against a
bare insert of the same rows in the same run.

    .venv/bin/python bench/grievance_intake.py [--cases 1000] [--repeat 3]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/onewindow_bench_hotline \
        .venv/bin/python bench/grievance_intake.py

Each repetition runs, on a fresh database (a temp SQLite file by default; the PostgreSQL
database must exist and is emptied by migrating from zero), in one process on one thread:

- **bare insert** (the ceiling): `Case.objects.create` of the same number of rows, each in
  its own transaction, with deadlines and terms precomputed: the database's share alone;
- **classify only**: `classifier.classify(text)` for the same texts (the CPU share);
- **intake**: `submit_case` as the agent's console calls it — checks, flood limits (three
  counting queries), classification, a locked reference counter, the case, its encrypted
  reporter, the routing decision in the ledger, the duplicate search — one transaction each.

Texts come from the router's held-out corpus split, so routing decisions are realistic.
Medians are reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for real after django.setup()
    from onewindow.core.models import Division
    from onewindow.identity.models import User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _setup(database_url: str | None) -> None:
    workdir = tempfile.mkdtemp(prefix="onewindow-bench-hotline-")
    os.environ.setdefault("ONEWINDOW_VAR_DIR", workdir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings_test")
    import django

    django.setup()


def _world() -> tuple[Division, User]:
    from onewindow.core.divisions import Level, UrbanRural
    from onewindow.core.services import define_division
    from onewindow.identity import services as identity
    from onewindow.identity.models import Department, DepartmentKind, Role

    nation = define_division(
        code="000000", level=Level.NATION, name_zh="中国", name_en="China", parent=None
    )
    province = define_division(
        code="330000",
        level=Level.PROVINCE,
        name_zh="浙江省",
        name_en="Zhejiang",
        parent=nation,
        economic_region="east",
    )
    city = define_division(
        code="330100", level=Level.CITY, name_zh="杭州市", name_en="Hangzhou", parent=province
    )
    district = define_division(
        code="330106", level=Level.COUNTY, name_zh="西湖区", name_en="Xihu", parent=city
    )
    street = define_division(
        code="330106001",
        level=Level.TOWNSHIP,
        name_zh="北山街道",
        name_en="Beishan",
        parent=district,
        urban_rural=UrbanRural.MAIN_URBAN,
    )
    departments = {}
    for kind in DepartmentKind:
        departments[kind] = Department.objects.create(
            code=f"330100-{kind.value}",
            name_zh=f"杭州市{kind.label}",
            name_en=str(kind.label),
            kind=kind,
            division=city,
        )
    agent = identity.create_officer(
        username="bench-agent",
        password="bench-password-1",  # noqa: S106
        real_name="刘洋",
        department=departments[DepartmentKind.HOTLINE],
        roles=[Role.HOTLINE_AGENT],
    )
    return street, agent


def _texts(count: int) -> list[str]:
    from onewindow.grievances import classifier

    held_out = [case.text for case in classifier.corpus("test") if len(case.text) >= 5]
    return [held_out[i % len(held_out)] for i in range(count)]


def _bare(texts: list[str], division: Division) -> float:
    from django.db import transaction
    from django.utils import timezone

    from onewindow.grievances import sla
    from onewindow.grievances.models import Case

    now = timezone.now()
    respond, reply, resolve = sla.deadlines("complaint", "ordinary", now)
    started = time.perf_counter()
    for number, body in enumerate(texts):
        with transaction.atomic():
            Case.objects.create(
                ref=f"BARE-{number:07d}",
                kind="complaint",
                channel="hotline",
                text=body,
                division=division,
                respond_due=respond,
                reply_due=reply,
                resolve_due=resolve,
                terms="",
            )
    return len(texts) / (time.perf_counter() - started)


def _classify(texts: list[str]) -> float:
    from onewindow.grievances import classifier

    classifier.classify(texts[0])  # load the model outside the timing
    started = time.perf_counter()
    for body in texts:
        classifier.classify(body)
    return len(texts) / (time.perf_counter() - started)


def _intake(texts: list[str], division: Division, agent: User) -> tuple[float, float]:
    from onewindow.grievances import intake
    from onewindow.grievances.models import Case, CaseStatus

    started = time.perf_counter()
    for number, body in enumerate(texts):
        intake.submit_case(
            kind="complaint",
            text_in=body,
            location=intake.Location(division=division),
            channel="hotline",
            contact=intake.Contact(name="张先生", phone=f"139{number:08d}", preference="sms"),
            recorded_by=agent,
        )
    rate = len(texts) / (time.perf_counter() - started)
    routed = Case.objects.filter(status=CaseStatus.ASSIGNED).count() / max(1, len(texts))
    return rate, routed


def _reset() -> None:
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _setup(os.environ.get("DATABASE_URL"))
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ONEWINDOW_HOTLINE_RATE_LIMITS = {
        "phone": (10**9, 60),
        "address": (10**9, 60),
    }
    call_command("migrate", verbosity=0)
    texts = _texts(args.cases)
    bare, classify, submit, routed = [], [], [], []
    for _run in range(args.repeat):
        _reset()
        division, agent = _world()
        bare.append(_bare(texts, division))
        _reset()
        division, agent = _world()
        classify.append(_classify(texts))
        rate, share = _intake(texts, division, agent)
        submit.append(rate)
        routed.append(share)
    median = statistics.median
    print(f"database: {connection.vendor}, {args.cases} cases, median of {args.repeat}")
    print(f"bare insert (ceiling)   {median(bare):10.0f} rows/s")
    print(f"classify only           {median(classify):10.0f} cases/s")
    print(
        f"intake (submit_case)    {median(submit):10.0f} cases/s  "
        f"({median(submit) / median(bare):.3f} of the bare insert; "
        f"{median(routed):.0%} routed without a dispatcher)"
    )


if __name__ == "__main__":
    main()

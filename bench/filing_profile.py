"""One submission in-process: SQL statements and milliseconds of `POST /api/v1/applications`.

    .venv/bin/python bench/filing_profile.py [--db sqlite|postgres|both] [--count 300]
        [--show]          (print the statements of one submission)

For each database (a fresh SQLite file, or a fresh PostgreSQL database on 127.0.0.1:5432,
created and dropped here) this migrates and prepares one citizen with a session and drafts
holding the photo, as `bench/applications_load.py` does, then files the social security card
through Django's test client (the whole middleware chain and the API, no HTTP server): the
statements of each submission counted with CaptureQueriesContext over a first batch, then
`--count` submissions timed without the capture: wall time, and the CPU time of this process
(all of SQLite's work, none of PostgreSQL's; less disturbed by a busy machine). One process,
one client: the figures are the work of one submission, not the throughput of a server.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "330000-HRSS-SB-001"  # bench/applications_load.py's service: one photo to upload
COUNTED = 20  # submissions whose statements are captured
PROFILED = 50  # submissions under cProfile, with --profile
WARM_UP = 5


def _measure(count: int, show: bool, profile: bool) -> dict[str, Any]:
    """Inside the prepared environment: migrate, prepare, file, measure."""
    import django

    django.setup()
    from applications_load import helper_setup
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    person = helper_setup(1, WARM_UP + COUNTED + count + PROFILED)["people"][0]
    drafts = iter(person["drafts"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = person["session"]

    def submit() -> None:
        body = {"service_code": SERVICE, "form": {"bank": "icbc"}, "delivery": "electronic",
                "draft": next(drafts)}  # fmt: skip
        response = client.post(
            "/api/v1/applications",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.content

    for _ in range(WARM_UP):
        submit()
    statements = []
    shown: list[str] = []
    for _ in range(COUNTED):
        with CaptureQueriesContext(connection) as captured:
            submit()
        statements.append(len(captured.captured_queries))
        shown = shown or [query["sql"] for query in captured.captured_queries]
    timings, cpu = [], []
    for _ in range(count):
        began, began_cpu = time.perf_counter(), time.process_time()
        submit()
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    profiled = ""
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(PROFILED):
            submit()
        profiler.disable()
        out = io.StringIO()
        order = os.environ.get("PROFILE_SORT", "cumulative")
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(60)
        profiled = out.getvalue()
    return {
        "statements": statistics.median(statements),
        "ms_median": statistics.median(timings),
        "ms_p90": statistics.quantiles(timings, n=10)[-1],
        "cpu_median": statistics.median(cpu),
        "shown": shown if show else [],
        "profile": profiled,
    }


def run(kind: str, count: int, show: bool, profile: bool) -> dict[str, Any]:
    temp = Path(tempfile.mkdtemp(prefix=f"onewindow-filing-{kind}-"))
    database = f"onewindow_filing_{secrets.token_hex(4)}"
    url = f"sqlite:///{temp / 'app.sqlite3'}"
    if kind == "postgres":
        import psycopg

        url = f"postgresql://postgres@127.0.0.1:5432/{database}"
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [os.environ.get("ONEWINDOW_SRC", str(ROOT / "src")), str(ROOT)]
        ),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": url,
        "ONEWINDOW_VAR_DIR": str(temp / "var"),
        "ONEWINDOW_SECRET_KEY": secrets.token_urlsafe(48),
        "ONEWINDOW_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ONEWINDOW_ALLOWED_HOSTS": "127.0.0.1",
        "ONEWINDOW_DEBUG": "0",
        "ONEWINDOW_LOG_LEVEL": "WARNING",
    }
    try:
        # Our own interpreter and this file: nothing untrusted reaches the command.
        done = subprocess.run(
            [sys.executable, __file__, "_measure", str(count), str(int(show)), str(int(profile))],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
        return {"kind": kind, **json.loads(done.stdout.strip().splitlines()[-1])}
    finally:
        if kind == "postgres":
            import psycopg

            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_measure":
        print(json.dumps(_measure(int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1")))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--show", action="store_true", help="print one submission's SQL")
    parser.add_argument("--profile", action="store_true", help=f"cProfile {PROFILED} more")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(
        "| database | statements/submission | ms/submission (median) | p90 ms | CPU ms (median) |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        result = run(kind, args.count, args.show, args.profile)
        print(
            f"| {kind} | {result['statements']:.0f} | {result['ms_median']:.1f} |"
            f" {result['ms_p90']:.1f} | {result['cpu_median']:.1f} |"
        )
        for n, sql in enumerate(result["shown"], 1):
            print(f"  {n:2d}. {sql[:300]}")
        if result["profile"]:
            print(result["profile"])


if __name__ == "__main__":
    main()

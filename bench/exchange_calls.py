"""Exchange calls per second, end to end, against the raw Ed25519 rate as the ceiling.

    .venv/bin/python bench/exchange_calls.py [--db sqlite|postgres|both] [--calls 2000]
        [--threads 1,4,16] [--repeat 3] [--before REV] [--http] [--profile]
    (or `make bench-exchange`)

For each database (a fresh SQLite file in a temp dir with the app's pragmas: WAL,
synchronous=NORMAL, BEGIN IMMEDIATE; a fresh PostgreSQL database on 127.0.0.1:5432, created
and dropped here; skipped with a message if PostgreSQL is unreachable) a child process
migrates, builds the map and departments as the tests do, publishes the seeded data
services, registers 50 citizens, loads 100 household records and approves one grant. Then,
in that same process and run:

- ceiling: raw Ed25519 sign+verify pairs/s with `cryptography` on a request-sized message.
  A call signs twice (request, answer) and verifies twice (the provider checks the request,
  the consumer the answer), so the ceiling for calls is half the pair rate.
- joserfc: compact JWS sign+verify pairs/s with keys imported once (the library's cost).
- calls: `exchange.services.call(...)` (sign, verify, authorise, answer, log, ledger), each
  timed alone; one thread, then N threads in this process with a connection each.
- optionally `--http`: POST /exchange/v1/{provider}/{service} through Django's test client
  (the whole middleware stack, no network), one thread.

Every figure is the median of `--repeat` rounds. `--before REV` also runs the same
measurements on a git revision's `src/` (unpacked with `git archive`, with the `tests/` and
`bench/` helpers the setup uses from the same revision) in the same run,
for before/after tables. Results go to stdout and bench/exchange_results.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from revisions import unpack

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOUSEHOLD = "public_security.household_registration"
PURPOSE = "marriage_registration"
SUBJECTS = 100
CITIZENS = 50


def pct(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


# ----- the child: one database, one source tree ---------------------------------------------


def child_setup() -> dict[str, Any]:
    import random

    from django.core.management import call_command
    from django.utils import timezone

    # The setup helpers (map, factories) of the tree being measured: a revision's own.
    sys.path.insert(0, str(Path(os.environ.get("ONEWINDOW_BENCH_ROOT", ROOT)) / "bench"))
    from applications_load import define_map
    from tests.applications import factories

    from onewindow.core.validators import generate_resident_id
    from onewindow.exchange import services
    from onewindow.exchange.models import DataService
    from onewindow.exchange.seed import seed_data_services
    from onewindow.identity.services import register_citizen

    call_command("migrate", verbosity=0)
    made = define_map()
    departments = factories.departments(made)
    seed_data_services()
    service = DataService.objects.select_related("provider").get(code=HOUSEHOLD)
    steward = factories.officer(service.provider, "data_steward", username="bench-steward")
    consumer = departments["330106-civil_affairs"]
    requester = factories.officer(consumer, username="bench-requester")
    rng = random.Random(2026)
    numbers = [
        generate_resident_id(rng, division_code="330106", birth=date(1960 + n % 40, 1, 1 + n % 28))
        for n in range(SUBJECTS)
    ]
    for n, number in enumerate(numbers[:CITIZENS]):
        register_citizen(
            username=f"bench{n}",
            password="bench-password-2026",  # noqa: S106
            real_name="王芳",
            id_number=number,
            mobile=f"139{n:08d}",
            division=made["community"],
        )
    services.load_records(
        service,
        [
            (
                number,
                {
                    "name": "王芳",
                    "sex": "female",
                    "birth_date": "1985-06-15",
                    "household_division": "330106001001",
                    "household_head": "王大明",
                },
            )
            for number in numbers
        ],
    )
    grant = services.request_grant(
        requester, service, purpose=PURPOSE, fields=["name", "sex", "household_division"]
    )
    services.approve_grant(
        steward,
        grant,
        fields=["name", "household_division"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    return {"consumer": consumer, "service": service, "numbers": numbers}


def ceiling_raw(rounds: int) -> float:
    """Ed25519 sign+verify pairs/s on a message the size of a signed request."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    message = secrets.token_bytes(330)
    started = time.perf_counter()
    for _ in range(rounds):
        public.verify(private.sign(message), message)
    return rounds / (time.perf_counter() - started)


def ceiling_jws(rounds: int) -> float:
    """joserfc compact JWS sign+verify pairs/s, keys imported once."""
    from joserfc import jws
    from joserfc.jwk import OKPKey

    key = OKPKey.generate_key("Ed25519", parameters={"kid": "bench"})
    public = OKPKey.import_key(key.as_dict(private=False))
    header = {"alg": "Ed25519", "kid": "bench", "typ": "onewindow-exchange+jws"}
    payload = json.dumps({"sub": "330106198506151234", "nonce": secrets.token_hex(16)}).encode()
    started = time.perf_counter()
    for _ in range(rounds):
        token = jws.serialize_compact(header, payload, key, algorithms=["Ed25519"])
        jws.deserialize_compact(token, public, algorithms=["Ed25519"])
    return rounds / (time.perf_counter() - started)


def run_calls(world: dict[str, Any], calls: int, threads: int) -> dict[str, float]:
    from django.db import connection

    from onewindow.exchange import services

    consumer, numbers = world["consumer"], world["numbers"]
    per_thread = calls // threads
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []  # calls that raised: counted, first few kept
    barrier = threading.Barrier(threads + 1)

    def work(slot: int) -> None:
        barrier.wait()
        mine = latencies[slot]
        for n in range(per_thread):
            began = time.perf_counter()
            try:
                answer = services.call(
                    consumer,
                    HOUSEHOLD,
                    subject=numbers[(slot * per_thread + n) % SUBJECTS],
                    purpose=PURPOSE,
                    case_ref=f"330106-20261124-{n:06d}",
                    actor="bench",
                )
                if not answer["found"]:
                    raise RuntimeError("the record was not found")
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
                continue
            mine.append(time.perf_counter() - began)
        connection.close()

    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        print(f"{len(errors)} errors, e.g. {sorted(set(errors))[:3]}", file=sys.stderr)
    every = [value for mine in latencies for value in mine]
    return {
        "rate": len(every) / elapsed,
        "p50": pct(every, 0.50),
        "p99": pct(every, 0.99),
        "errors": float(len(errors)),
    }


def run_http(world: dict[str, Any], calls: int) -> dict[str, float]:
    from django.test import Client

    from onewindow.exchange import services, signing

    client = Client(raise_request_exception=False)
    service, consumer, numbers = world["service"], world["consumer"], world["numbers"]
    url = f"/exchange/v1/{service.provider.code}/{HOUSEHOLD}"
    latencies = []
    errors = 0
    started = time.perf_counter()
    for n in range(calls):
        began = time.perf_counter()
        token = services.build_request(
            consumer, service, subject=numbers[n % SUBJECTS], purpose=PURPOSE, actor="bench"
        )
        try:
            response = client.post(url, token, content_type="application/jose")
        except Exception:
            errors += 1
            continue
        if response.status_code != 200:
            errors += 1
            continue
        signing.verify(response.content.decode())
        latencies.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - started
    return {
        "rate": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p99": pct(latencies, 0.99),
        "errors": float(errors),
    }


def child(arguments: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    world = child_setup()
    thread_counts = [int(t) for t in arguments.threads.split(",")]
    run_calls(world, 200, 1)  # warm up: imports, first keys, caches
    rounds: dict[str, list[dict[str, float]]] = {}
    for _ in range(arguments.repeat):
        rounds.setdefault("raw", []).append({"rate": ceiling_raw(arguments.calls * 2)})
        rounds.setdefault("jws", []).append({"rate": ceiling_jws(arguments.calls)})
        for threads in thread_counts:
            rounds.setdefault(f"calls@{threads}", []).append(
                run_calls(world, arguments.calls, threads)
            )
        if arguments.http:
            rounds.setdefault("http@1", []).append(run_http(world, arguments.calls // 2))
    result = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in rounds.items()
    }
    from onewindow.exchange.models import ExchangeMessage

    result["messages"] = {"rate": float(ExchangeMessage.objects.count())}
    if arguments.profile:
        import cProfile
        import io
        import pstats

        from onewindow.exchange import services

        profile = cProfile.Profile()  # in this thread: cProfile sees only its own thread
        profile.enable()
        for n in range(500):
            try:
                services.call(
                    world["consumer"],
                    HOUSEHOLD,
                    subject=world["numbers"][n % SUBJECTS],
                    purpose=PURPOSE,
                    actor="bench",
                )
            except Exception:  # noqa: S112 - errors are counted in the timed phases
                continue
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(arguments.sort).print_stats(45)
        print(out.getvalue(), file=sys.stderr)
    connection.close()
    print(json.dumps(result))


# ----- the parent: sources × databases, then the table ---------------------------------------


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(sql)


def run_child(tree: Path, kind: str, arguments: argparse.Namespace) -> dict[str, Any]:
    """The measurements in a child process importing `tree`'s src/, tests/ and bench/."""
    temp = Path(tempfile.mkdtemp(prefix=f"onewindow-bench-exchange-{kind}-"))
    database = f"onewindow_bench_{secrets.token_hex(4)}"
    url = f"sqlite:///{temp / 'app.sqlite3'}"
    if kind == "postgres":
        url = f"postgresql://postgres@127.0.0.1:5432/{database}"
        pg_admin(f'CREATE DATABASE "{database}"')
    most = max(int(t) for t in arguments.threads.split(","))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)]),
        "ONEWINDOW_BENCH_ROOT": str(tree),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": url,
        "ONEWINDOW_VAR_DIR": str(temp / "var"),
        "ONEWINDOW_SECRET_KEY": secrets.token_urlsafe(48),
        "ONEWINDOW_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ONEWINDOW_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "ONEWINDOW_DEBUG": "0",
        "ONEWINDOW_DB_POOL_SIZE": str(most + 4),
    }
    command = [sys.executable, __file__, "_child", *sys.argv[1:]]
    try:
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    finally:
        if kind == "postgres":
            pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    if arguments.profile:
        print(done.stderr[-12000:], file=sys.stderr)
    else:
        for line in done.stderr.splitlines():
            if " errors, e.g. " in line:
                print(f"  {kind}: {line[:300]}")
    if done.returncode:
        raise RuntimeError(f"{kind} child failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(results: list[tuple[str, str, dict[str, Any]]], arguments: argparse.Namespace) -> str:
    lines = [
        "| code | database | measure | per s | p50 ms | p99 ms | errors | ÷ ceiling |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, kind, result in results:
        ceiling_calls = result["raw"]["rate"] / 2  # two signs and two verifications per call
        lines.append(
            f"| {label} | {kind} | ceiling: raw Ed25519 sign+verify pairs | "
            f"{result['raw']['rate']:,.0f} |  |  |  | (calls: {ceiling_calls:,.0f}/s) |"
        )
        lines.append(
            f"| {label} | {kind} | joserfc JWS sign+verify pairs | {result['jws']['rate']:,.0f} "
            f"|  |  |  | {result['jws']['rate'] / result['raw']['rate']:.2f} |"
        )
        for name, figures in result.items():
            if not name.startswith(("calls@", "http@")):
                continue
            what, threads = name.split("@")
            described = "services.call" if what == "calls" else "POST /exchange/v1 (test client)"
            lines.append(
                f"| {label} | {kind} | {described}, {threads} thread{'s' if threads != '1' else ''}"
                f" | {figures['rate']:,.0f} | {figures['p50']:.2f} | {figures['p99']:.2f} | "
                f"{figures.get('errors', 0):.0f} | {figures['rate'] / ceiling_calls:.3f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", default="1,4,16")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default="", help="also measure this git revision's src/")
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="tottime", help="cProfile order for --profile")
    arguments, _rest = parser.parse_known_args([a for a in sys.argv[1:] if a != "_child"])
    if sys.argv[1:2] == ["_child"]:
        child(arguments)
        return
    sources = [("this tree", ROOT)]
    if arguments.before:
        sources.insert(
            0, (f"before ({arguments.before})", unpack(arguments.before, "tests", "bench").parent)
        )
    kinds = ["sqlite", "postgres"] if arguments.db == "both" else [arguments.db]
    if "postgres" in kinds and not pg_reachable():
        print("PostgreSQL is not reachable on 127.0.0.1:5432: skipping it.")
        kinds.remove("postgres")
    results = []
    for kind in kinds:
        for label, source in sources:
            print(f"… {kind}, {label}", flush=True)
            results.append((label, kind, run_child(source, kind, arguments)))
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    report = (
        f"Run at {head} on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: "
        f"`{' '.join(['bench/exchange_calls.py', *sys.argv[1:]])}`; {arguments.calls} calls "
        f"per phase, medians of {arguments.repeat}.\n\n{table(results, arguments)}\n"
    )
    print(report)
    (ROOT / "bench" / "exchange_results.md").write_text(
        "# Exchange calls: last run\n\n" + report, encoding="utf-8"
    )


if __name__ == "__main__":
    main()

"""Applications under load: submissions, status reads and the officer queue, against ceilings.

    .venv/bin/python bench/applications_load.py [--db sqlite|postgres|both] [--seconds 20]
        [--concurrency 16] [--before REV] [--profile]            (or `make bench`)

For each database (a fresh SQLite file in a temp dir; a fresh PostgreSQL database on
127.0.0.1:5432, created and dropped here) this migrates, builds the map, departments and
catalogue as the tests do, registers citizens through `identity.services`, and serves the app
with granian exactly as `make demo` does: the granian command line is read from the
Makefile's `demo` recipe (`make -n demo`), without the background worker. Clients are
keep-alive HTTP/1.1 threads in this process, on the same 2 cores as the server.

`--before REV` also measures a git revision in the same run: its `src/`, `tests/` (for the
factories) and `Makefile` (for how it served) are unpacked with `git archive`, and each
database is measured for the revision, then for this tree.

Phases: GET /healthz (ceiling); POST /api/v1/applications for the social security card (its
photo is uploaded to a draft before the timed loop: one draft per request); GET
/api/v1/applications/{ref} by the owners; GET /work/ for a reviewer whose department has
100,000 open steps, inserted with `bulk_create` (not through the services: no transitions,
no notices, no ledger); and the database ceiling (pgbench tpcb-like, or raw SQLite commits).
Every phase has its ceiling beside it: /healthz of the same server for reads and the
queue, the database's (pgbench tpcb-like, or SQLite commits) for submissions.
Results go to stdout and bench/applications_results.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from revisions import unpack

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv of the interpreter running this script
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVICE = "330000-HRSS-SB-001"  # social security card: one required upload (a photo)
PDF = b"%PDF-1.7\n%%EOF\n"
QUEUE_SIZE = 100_000
PASSWORD = "bench-password-2026"  # noqa: S105  (never signed in with: sessions are made)


@dataclass
class Phase:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # first few error answers
    note: str = ""
    against: str = ""  # its ceiling: "healthz" (same server) or "database"

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


# ----- helpers run as subprocesses, with django.setup() -----------------------------------


def _session(user: Any, device: Any = None) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "onewindow.identity.backends.IdentifierBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if device is not None:
        from django_otp import DEVICE_ID_SESSION_KEY

        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.save()
    return str(store.session_key)


def helper_setup(citizens: int, drafts: int) -> dict[str, Any]:
    """Map, departments, catalogue, citizens with sessions, drafts each holding the photo."""
    import random
    from datetime import date

    from tests.applications.factories import departments

    from onewindow.applications import services
    from onewindow.applications.models import Draft, Upload
    from onewindow.catalog.seed import seed_catalog
    from onewindow.identity.services import register_citizen

    made = define_map()
    departments(made)
    versions = {item.code: item.current_version for item in seed_catalog()}
    version = versions[SERVICE]
    assert version is not None, "the seed publishes every service"
    rng = random.Random(2026)
    people = []
    for n in range(citizens):
        birth = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
        user = register_citizen(
            username=f"bench{n}",
            password=PASSWORD,
            real_name="王芳",
            id_number=generate_id(rng, birth, n),
            mobile=f"139{n:08d}",
            division=made["community"],
        )
        first = services.save_draft(user, version, {})
        upload = services.add_upload(user, first, material_key="photo", name="p.pdf", content=PDF)
        # The rest are copies of the first draft and its stored photo (setup speed only).
        clones = Draft.objects.bulk_create(
            Draft(applicant=user, item_version=version, form_data={})
            for _ in range(drafts // citizens - 1)
        )
        fields = {
            f.attname: getattr(upload, f.attname)
            for f in Upload._meta.concrete_fields
            if f.attname not in ("id", "draft_id")
        }
        Upload.objects.bulk_create(Upload(**fields, draft=d) for d in clones)
        people.append({"session": _session(user), "drafts": [first.pk] + [d.pk for d in clones]})
    return {"people": people}


def generate_id(rng: Any, birth: Any, n: int) -> str:
    from onewindow.core.validators import generate_resident_id

    return generate_resident_id(rng, division_code="330106", birth=birth)


def define_map() -> dict[str, Any]:
    """The `divisions` fixture of tests/conftest.py, through `core.services.define_division`."""
    from onewindow.core.divisions import EconomicRegion, Level, UrbanRural
    from onewindow.core.services import define_division

    rows: list[tuple[str, str, Level, str, str, str | None, dict[str, Any]]] = [
        # key, code, level, name_zh, name_en, parent key, extra
        ("nation", "000000", Level.NATION, "中华人民共和国", "PRC", None, {}),
        ("province", "330000", Level.PROVINCE, "浙江省", "Zhejiang", "nation",
         {"economic_region": EconomicRegion.EAST}),
        ("city", "330100", Level.CITY, "杭州市", "Hangzhou", "province", {}),
        ("district", "330106", Level.COUNTY, "西湖区", "Xihu District", "city", {}),
        ("street", "330106001", Level.TOWNSHIP, "北山街道", "Beishan Subdistrict", "district",
         {"urban_rural": UrbanRural.MAIN_URBAN}),
        ("community", "330106001001", Level.VILLAGE, "北山第1社区", "Beishan Community 1",
         "street", {"urban_rural": UrbanRural.MAIN_URBAN}),
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


def helper_queue() -> dict[str, Any]:
    """100,000 open review steps for Hangzhou's human resources bureau, and its reviewer."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onewindow.applications.models import Application, Step
    from onewindow.catalog.models import ServiceItem
    from onewindow.identity.models import Department, User
    from onewindow.identity.services import create_officer

    department = Department.objects.get(code="330100-human_resources")
    applicant = User.objects.get(username="bench0")
    version = ServiceItem.objects.get(code=SERVICE).current_version
    now = timezone.now()
    for start in range(0, QUEUE_SIZE, 5000):
        applications = Application.objects.bulk_create(
            Application(
                ref=f"330106-BENCH-{i:07d}",
                applicant=applicant,
                item_version=version,
                division=applicant.division,
                receiving_division=applicant.division,
                channel="online",
                filed_by=applicant,
                form_data={"bank": "icbc"},
                delivery="electronic",
                idempotency_key=f"bulk-{i}",
                request_digest="0" * 64,
                submitted_at=now - timedelta(minutes=i),
                due_at=now + timedelta(days=5 - i % 10),
                days_promised=5,
            )
            for i in range(start, start + 5000)
        )
        Step.objects.bulk_create(
            Step(
                application=a,
                key="review",
                department=department,
                role="reviewer",
                opened_at=a.submitted_at,
                due_at=a.due_at,
            )
            for a in applications
        )
    with connection.cursor() as cursor:  # as autovacuum would soon: plans need the new counts
        cursor.execute("ANALYZE")
    officer = create_officer(
        username="benchofficer",
        password=PASSWORD,
        real_name="李明",
        department=department,
        roles=("reviewer",),
    )
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    return {"session": _session(officer, device)}


def helper_profile() -> str:
    """cProfile of one submission, in-process through the test client (top functions)."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    from onewindow.applications.models import Draft

    draft = Draft.objects.filter(applicant__username="bench1").last()
    assert draft is not None
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(draft.applicant)
    body = json.dumps({"service_code": SERVICE, "form": {"bank": "icbc"}, "delivery": "electronic"})

    def post(draft_pk: int) -> int:
        payload = json.loads(body) | {"draft": draft_pk}
        response = client.post(
            "/api/v1/applications",
            json.dumps(payload),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        return response.status_code

    others = list(Draft.objects.filter(applicant=draft.applicant).values_list("pk", flat=True))
    post(others[0])  # warm caches
    profile = cProfile.Profile()
    profile.enable()
    statuses = [post(pk) for pk in others[1:21]]
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    return f"statuses {statuses}\n{out.getvalue()}"


def run_helper(env: dict[str, str], name: str, *extra: str) -> Any:
    command = [sys.executable, __file__, "_helper", name, *extra]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"helper {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----- the load generator -----------------------------------------------------------------


Request = Callable[[int, int], tuple[str, str, bytes | None, dict[str, str], int]]


def load(
    port: int,
    phase: Phase,
    concurrency: int,
    seconds: float,
    make: Request,
    on_ok: Callable[[int, bytes], None] | None = None,
) -> Phase:
    """`make(slot, n)` gives (method, path, body, headers, expected status); an empty method
    ends the slot early (it ran out of work). `on_ok(slot, body)` sees each expected answer."""
    lock = threading.Lock()
    results: list[tuple[list[float], int, int]] = []
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        errors = n = 0
        while time.monotonic() < stop:
            method, path, body, headers, expected = make(slot, n)
            if not method:
                break
            n += 1
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status, content = 0, repr(error).encode()
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if status == expected:
                latencies.append(time.perf_counter() - began)
                if on_ok is not None:
                    on_ok(slot, content)
            else:
                errors += 1
                with lock:
                    if len(phase.samples) < 3:
                        phase.samples.append(f"{status} {content[:300]!r}")
        connection.close()
        with lock:
            results.append((latencies, errors, 0))

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - began
    for latencies, errors, _ in results:
        phase.latencies += latencies
        phase.errors += errors
    phase.requests = len(phase.latencies)
    return phase


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # two workers importing Django on a loaded machine
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("granian exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def worker_stats(master: int) -> list[tuple[float, int]]:
    """Peak RSS (VmHWM, MB) and threads of each child of the granian master: its workers."""
    peaks: list[tuple[float, int]] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        threads = re.search(r"Threads:\s+(\d+)", status)
        if found and threads:
            peaks.append((int(found.group(1)) / 1024, int(threads.group(1))))
    return sorted(peaks)


def unpack_tree(revision: str) -> Path:
    """The revision's src/, tests/ (the factories the helpers use) and Makefile (how it
    served), in a temp dir laid out as the repository is."""
    tree = unpack(revision, "tests", "Makefile").parent
    # Bytecode now, as a checkout that has run has it: not in the first timed requests.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "src")], check=True)
    return tree


def demo_server_arguments(tree: Path, port: int) -> list[str]:
    """granian's arguments in `make demo` of the tree's Makefile, for 127.0.0.1:`port`."""
    recipe = subprocess.run(
        ["make", "-n", "-s", "--no-print-directory", "-f", str(tree / "Makefile"), "demo",
         "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for line in recipe.replace("\\\n", " ").splitlines():  # one shell command line each
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words = list(lexer)
        for at, word in enumerate(words):
            if Path(word).name == "granian":
                rest = words[at + 1 :]
                ends = [n for n, w in enumerate(rest) if not w.strip(";&|")]
                return rest[: ends[0]] if ends else rest
    raise RuntimeError(f"no granian command in `make -n demo` of {tree}:\n{recipe}")


# ----- database ceilings ------------------------------------------------------------------


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(sql)


def pgbench(concurrency: int, seconds: float) -> Phase:
    phase = Phase("ceiling: pgbench tpcb-like")
    if shutil.which("pgbench") is None:
        phase.note = "pgbench not installed"
        return phase
    name = f"onewindow_pgbench_{secrets.token_hex(4)}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        common = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(
            ["pgbench", *common, "-i", "-q", "-s", "10", name], check=True, capture_output=True
        )
        out = subprocess.run(
            [
                "pgbench",
                *common,
                "-c",
                str(concurrency),
                "-j",
                "2",
                "-T",
                str(int(seconds)),
                "-b",
                "tpcb-like",
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    tps = re.search(r"tps = ([\d.]+) \(without initial", out)
    average = re.search(r"latency average = ([\d.]+) ms", out)
    phase.seconds = seconds
    phase.requests = int(float(tps.group(1)) * seconds) if tps else 0
    phase.note = f"latency average {average.group(1) if average else '?'} ms; no percentiles"
    return phase


def sqlite_ceiling(directory: Path, seconds: float) -> Phase:
    """One row of application size per transaction, with the app's pragmas, one writer."""
    phase = Phase("ceiling: SQLite insert+commit")
    connection = sqlite3.connect(directory / "raw.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE application (id INTEGER PRIMARY KEY, ref TEXT UNIQUE, applicant INT,"
        " form TEXT, key TEXT, digest TEXT, at TEXT, UNIQUE (applicant, key))"
    )
    form = json.dumps({"bank": "icbc"})
    stop = time.monotonic() + seconds
    n = 0
    while time.monotonic() < stop:
        began = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO application (ref, applicant, form, key, digest, at) VALUES (?,?,?,?,?,?)",
            (f"330106-{n:09d}", n % 16, form, uuid.uuid4().hex, "0" * 64, time.time()),
        )
        connection.execute("COMMIT")
        phase.latencies.append(time.perf_counter() - began)
        n += 1
    connection.close()
    phase.seconds, phase.requests = seconds, n
    phase.note = "in-process sqlite3, WAL, synchronous=NORMAL, BEGIN IMMEDIATE"
    return phase


# ----- one database, end to end -----------------------------------------------------------


def run_db(
    kind: str, tree: Path, seconds: float, concurrency: int, profile: bool
) -> dict[str, Any]:
    """Every phase on one database for the code in `tree` (src/, tests/, Makefile)."""
    temp = Path(tempfile.mkdtemp(prefix=f"onewindow-bench-{kind}-"))
    database = f"onewindow_bench_{secrets.token_hex(4)}"
    url = f"sqlite:///{temp / 'app.sqlite3'}"
    if kind == "postgres":
        url = f"postgresql://postgres@127.0.0.1:5432/{database}"
        pg_admin(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": url,
        "ONEWINDOW_VAR_DIR": str(temp / "var"),
        "ONEWINDOW_SECRET_KEY": secrets.token_urlsafe(48),
        "ONEWINDOW_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ONEWINDOW_ALLOWED_HOSTS": "127.0.0.1",
        "ONEWINDOW_DEBUG": "0",
    }
    server: subprocess.Popen[bytes] | None = None
    phases: list[Phase] = []
    admin = None  # one connection held from the start: the server may exhaust max_connections
    if kind == "postgres":
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    rss: list[float] = []

    def observe(phase: Phase) -> Phase:
        assert server is not None
        found = worker_stats(server.pid)
        phase.note += f" worker threads {'/'.join(str(t) for _mb, t in found)}"
        if admin is not None:
            sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            row = admin.execute(sql, (database,)).fetchone()
            phase.note += f"; {row[0] if row else '?'} connections to the app's database"
        return phase

    def serve() -> subprocess.Popen[bytes]:
        started = subprocess.Popen(
            [str(BIN / "granian"), *server_arguments],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_ready(port, started)
        return started

    def stop(running: subprocess.Popen[bytes]) -> None:
        rss.extend(mb for mb, _threads in worker_stats(running.pid))
        running.terminate()
        try:
            running.wait(timeout=30)
        except subprocess.TimeoutExpired:
            running.kill()
            running.wait()

    try:
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([BIN / "onewindow", *command], env=env, check=True, capture_output=True)
        drafts = max(concurrency * 50, int(seconds * 600))  # more than the server can file
        people = run_helper(env, "setup", str(concurrency), str(drafts))["people"]
        port = free_port()
        server_arguments = demo_server_arguments(tree, port)
        log = (temp / "granian.log").open("wb")
        server = serve()
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked secret, in cookie and header

        def headers(session: str) -> dict[str, str]:
            return {
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/json",
                "Accept-Language": "zh-CN",
            }

        citizen = [headers(p["session"]) for p in people]
        refs: list[list[str]] = [[] for _ in people]

        def bare(slot: int, n: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            return "GET", "/healthz", None, {}, 200

        def submit(slot: int, n: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            mine = people[slot]["drafts"]
            if n >= len(mine):
                return "", "", None, {}, 0
            body = {"service_code": SERVICE, "form": {"bank": "icbc"}, "delivery": "electronic",
                    "draft": mine[n]}  # fmt: skip
            key = {"Idempotency-Key": str(uuid.uuid4())}
            return (
                "POST",
                "/api/v1/applications",
                json.dumps(body).encode(),
                citizen[slot] | key,
                201,
            )

        def status(slot: int, n: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
            ref = refs[slot][n % len(refs[slot])]
            return "GET", f"/api/v1/applications/{ref}", None, citizen[slot], 200

        load(port, Phase("warm-up"), concurrency, 1, bare)
        phases.append(
            observe(load(port, Phase("ceiling: GET /healthz"), concurrency, seconds, bare))
        )
        before = [len(p["drafts"]) for p in people]
        submissions = Phase("POST /api/v1/applications", against="database")
        load(
            port,
            submissions,
            concurrency,
            seconds,
            submit,
            lambda slot, body: refs[slot].append(json.loads(body)["ref"]),
        )
        phases.append(observe(submissions))
        if min(len(r) for r in refs) == 0:
            raise RuntimeError(f"no application filed: {submissions.samples}")
        submissions.note = f"{sum(before)} drafts prepared;" + submissions.note
        phases.append(
            observe(
                load(
                    port,
                    Phase("GET /api/v1/applications/{ref}", against="healthz"),
                    concurrency,
                    seconds,
                    status,
                )
            )
        )
        # A fresh server for the queue: it lets go of the connections its threads hold.
        stop(server)
        server = None
        officer = headers(run_helper(env, "queue")["session"])
        server = serve()
        queue = Phase(f"GET /applications/work/ ({QUEUE_SIZE:,} open steps)", against="healthz")
        queue.note = "2 clients, one per worker;"
        load(
            port,
            Phase("warm-up"),
            2,
            1,
            lambda s, n: ("GET", "/applications/work/", None, officer, 200),
        )
        phases.append(
            observe(
                load(
                    port,
                    queue,
                    2,
                    seconds,
                    lambda s, n: ("GET", "/applications/work/", None, officer, 200),
                )
            )
        )
        stop(server)
        server = None
        if kind == "postgres":
            phases.append(pgbench(concurrency, seconds))
        else:
            phases.append(sqlite_ceiling(temp, seconds))
        profiled = run_helper(env, "profile") if profile else ""
        return {
            "kind": kind,
            "phases": phases,
            "rss": rss,
            "profile": profiled,
            "server": " ".join(["granian", *server_arguments]),
        }
    finally:
        if server is not None:
            stop(server)
        if admin is not None:
            admin.close()
        if (temp / "granian.log").exists() and any(p.errors for p in phases):
            tail = (temp / "granian.log").read_text(errors="replace")[-3000:]
            print(f"--- {kind}: end of the server's log ---\n{tail}", file=sys.stderr)
        if kind == "postgres":
            pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(temp, ignore_errors=True)


RSS_AIM_MB = 250  # issue 18: peak resident memory per server worker after the run


def ceiling_of(run: dict[str, Any], phase: Phase) -> Phase | None:
    """The ceiling a phase is read against: the database's for submissions, /healthz of the
    same run for reads and the queue; none for the ceilings themselves."""
    phases: list[Phase] = run["phases"]
    if phase.against == "database":
        return phases[-1]
    if phase.against == "healthz":
        return phases[0]
    return None


def report(runs: list[dict[str, Any]], seconds: float, concurrency: int) -> str:
    lines = [
        f"{seconds:.0f} s per phase, {concurrency} client threads (queue: 2), served as"
        f" `make demo` serves, {os.cpu_count()} cores shared by server, clients and database.",
        "",
        "| code | database | phase | req/s | p50 ms | p95 ms | p99 ms | errors | ceiling req/s"
        " | ÷ ceiling | note |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        for phase in run["phases"]:
            ceiling = ceiling_of(run, phase)
            against = ratio = ""
            if ceiling is not None and ceiling.rate:
                against = f"{ceiling.rate:,.0f}"
                ratio = f"{phase.rate / ceiling.rate:.3f}"
            lines.append(
                f"| {run['code']} | {run['kind']} | {phase.name} | {phase.rate:,.0f} |"
                f" {phase.pct(0.5):.1f} | {phase.pct(0.95):.1f} | {phase.pct(0.99):.1f} |"
                f" {phase.errors} | {against} | {ratio} | {phase.note} |"
            )
    lines += [
        "",
        f"| code | database | peak RSS per worker, MB (aim ≤ {RSS_AIM_MB}) | server |",
        "| --- | --- | --- | --- |",
    ]
    for run in runs:
        peaks = ", ".join(f"{mb:.0f}" for mb in run["rss"])
        verdict = "met" if run["rss"] and max(run["rss"]) <= RSS_AIM_MB else "NOT met"
        lines.append(f"| {run['code']} | {run['kind']} | {peaks} ({verdict}) | `{run['server']}` |")
    codes = list(dict.fromkeys(run["code"] for run in runs))
    if len(codes) == 2:
        lines += [
            "",
            f"| database | phase | req/s {codes[0]} → {codes[1]} | × | p95 ms | p99 ms |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for kind in dict.fromkeys(run["kind"] for run in runs):
            before, after = (next(r for r in runs if r["kind"] == kind and r["code"] == c)
                             for c in codes)  # fmt: skip
            for old, new in zip(before["phases"], after["phases"], strict=True):
                times = f"{new.rate / old.rate:.2f}" if old.rate else ""
                lines.append(
                    f"| {kind} | {new.name} | {old.rate:,.0f} → {new.rate:,.0f} | {times} |"
                    f" {old.pct(0.95):.1f} → {new.pct(0.95):.1f} |"
                    f" {old.pct(0.99):.1f} → {new.pct(0.99):.1f} |"
                )
    for run in runs:
        for phase in run["phases"]:
            for sample in phase.samples:
                lines.append(f"\n{run['code']} {run['kind']} {phase.name} error: `{sample}`")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_helper":
        import django

        django.setup()
        name, extra = sys.argv[2], [int(a) for a in sys.argv[3:]]
        helpers: dict[str, Callable[..., object]] = {
            "setup": helper_setup,
            "queue": helper_queue,
            "profile": helper_profile,
        }
        result = helpers[name](*extra)
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--before", default="", help="also measure this git revision")
    parser.add_argument("--profile", action="store_true", help="cProfile 20 submissions")
    args = parser.parse_args()
    kinds = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    trees = [(commit, ROOT)]
    if args.before:
        trees.insert(0, (f"before ({args.before})", unpack_tree(args.before)))
    runs = []
    try:
        for kind in kinds:
            for code, tree in trees:
                print(f"… {kind}, {code}", flush=True)
                run = run_db(kind, tree, args.seconds, args.concurrency, args.profile)
                runs.append(run | {"code": code})
    finally:
        for _code, tree in trees[:-1]:
            shutil.rmtree(tree, ignore_errors=True)
    table = report(runs, args.seconds, args.concurrency)
    print(f"commit {commit}\n{table}")
    for run in runs:
        if run["profile"]:
            print(
                f"--- {run['code']}, {run['kind']}: cProfile of 20 submissions in-process ---\n"
                f"{run['profile']}"
            )
    stamp = f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}"
    command = " ".join(["bench/applications_load.py", *sys.argv[1:]])
    (ROOT / "bench" / "applications_results.md").write_text(
        f"# Applications under load ({stamp})\n\n`.venv/bin/python {command}`\n\n{table}"
    )


if __name__ == "__main__":
    main()

"""Faults of the parts around the platform: the database and Redis go away under load.

The test runs its own PostgreSQL (initdb and pg_ctl on a free port in a temp dir, as the
`postgres` OS user when run as root, since initdb refuses root) and its own redis-server
(append-only file, as a production Redis must run), never the shared ones. Two granian
servers (as two machines behind a balancer) and two `onewindow worker`s with
ONEWINDOW_TASKS_URL on that Redis serve a bounded load: residents filing applications
through the API and reading them back, people opening a page. Then:

- the database is stopped abruptly (`pg_ctl -m immediate`) for 30 s and started again;
- the workers pause (so work waits in Redis), Redis is killed for 30 s and started again.

Nothing else is restarted. Asserts: no 500 and no request left without an answer; while the
database is away, 503 with Retry-After (problem+json on the API, the page in the visitor's
language for people); filing works again by itself; while Redis is away filing goes on;
every acknowledged application is in the database; every receipt SMS is sent exactly once
(work queued before the outage and work enqueued during it alike); no job completes twice.

Skipped when initdb or redis-server is missing, unless ONEWINDOW_REQUIRE_POSTGRES=1 (CI's
PostgreSQL run), where it fails instead. It runs in the PostgreSQL run only (or with
ONEWINDOW_FAULT_TEST=1): it brings its own database, so once per CI run is enough.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from tests.instances import GRANIAN, free_port, serve_command

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("ONEWINDOW_PG_BIN", "/usr/lib/postgresql/15/bin"))
OUTAGE_SECONDS = 30
CLIENT_TIMEOUT = 20.0  # an answer slower than this is a hang
FILERS = 3  # residents filing at once
PAUSE = 0.25  # seconds between one resident's filings
DRAFTS_EACH = 450  # more than a resident can use in the run
NOT_INHERITED = {
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "ONEWINDOW_TASKS_URL",
    "ONEWINDOW_SECRET_KEY",
    "ONEWINDOW_DATA_KEY",
    "ONEWINDOW_LEDGER_KEY",
    "ONEWINDOW_SMS_BACKEND",
}
ZH_TITLE = "服务暂时无法使用"
EN_TITLE = "The service is briefly unavailable"

pytestmark = [pytest.mark.servers, pytest.mark.faults]


def missing_tools() -> str:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"initdb/pg_ctl not found in {PG_BIN} (set ONEWINDOW_PG_BIN)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if not GRANIAN.exists():
        return "granian is not installed"
    return ""


@pytest.fixture
def tools() -> None:
    required = os.environ.get("ONEWINDOW_REQUIRE_POSTGRES") == "1"
    missing = missing_tools()
    if missing and required:
        pytest.fail(f"the fault test is mandatory here (ONEWINDOW_REQUIRE_POSTGRES=1): {missing}")
    if missing:
        pytest.skip(f"the fault test needs its own PostgreSQL and Redis: {missing}")
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if not (required or on_postgres or os.environ.get("ONEWINDOW_FAULT_TEST") == "1"):
        pytest.skip("the fault test runs in the PostgreSQL run (or with ONEWINDOW_FAULT_TEST=1)")


class Postgres:
    """A PostgreSQL instance of our own: initdb, pg_ctl start/stop, in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        # initdb and postgres refuse to run as root: then they run as the postgres user.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(folder, self.user, self.user)
        self.output = (folder / "pg_ctl.out").open("ab")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        # Never pipes: the postmaster would inherit them and keep run() waiting.
        subprocess.run(  # noqa: S603  (our own binaries, fixed arguments)
            [str(PG_BIN / program), *args],
            check=True,
            timeout=90,
            cwd=self.folder,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            user=self.user,
            group=self.user,
            extra_groups=[] if self.user else None,
        )

    def init(self) -> None:
        data = str(self.folder / "data")
        self._run(
            "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.folder} -c fsync=off -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "postgres.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")


class Redis:
    """A redis-server of our own with an append-only file, killed and started at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.output = (folder / "redis.log").open("ab")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(shutil.which("redis-server")),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.queued() >= 0, 20, "redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def queued(self) -> int:
        """Jobs waiting on the default queue; -1 when Redis does not answer."""
        import redis

        try:
            client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2)
            with client:
                return int(client.llen("rq:queue:default"))
        except redis.exceptions.RedisError:
            return -1


def wait_for(condition: Callable[[], bool], seconds: float, failure: str) -> float:
    """Poll `condition` until it holds; how long that took. Fails the test after `seconds`."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > seconds:
            raise AssertionError(failure)
        time.sleep(0.2)
    return time.monotonic() - began


@dataclass
class Answer:
    kind: str  # "file" (POST /api/v1/applications), "read" (GET one), "page" (GET /services/)
    language: str
    began: float
    seconds: float
    status: int  # 0: no answer (a hang or a dropped connection)
    retry_after: str | None
    content_type: str
    body: bytes
    port: int = 0


@dataclass
class Load:
    """Residents filing and reading, people opening a page, spread over the servers."""

    ports: list[int]
    people: list[dict[str, Any]]
    service: str
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))

    def headers(self, person: dict[str, Any]) -> dict[str, str]:
        return {
            "Cookie": f"sessionid={person['session']}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "zh-CN",
        }

    def ask(
        self, n: int, kind: str, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Answer:
        port = self.ports[n % len(self.ports)]  # round robin, as a balancer would
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        began = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(
                kind,
                headers.get("Accept-Language", ""),
                began,
                0.0,
                response.status,
                response.getheader("Retry-After"),
                response.getheader("Content-Type", ""),
                response.read(),
            )
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(kind, "", began, 0.0, 0, None, "", repr(error).encode())
        finally:
            connection.close()
        answer.seconds = time.monotonic() - began
        answer.port = port
        with self.lock:
            self.answers.append(answer)
        return answer

    def file(self, slot: int) -> None:
        person = self.people[slot]
        for n, draft in enumerate(person["drafts"]):
            if self.stopping.is_set():
                return
            body = {
                "service_code": self.service,
                "form": {"bank": "icbc"},
                "delivery": "electronic",
                "draft": draft,
            }
            headers = self.headers(person) | {"Idempotency-Key": str(uuid.uuid4())}
            answer = self.ask(
                n + slot, "file", "POST", "/api/v1/applications", json.dumps(body).encode(), headers
            )
            if answer.status == 201:
                with self.lock:
                    self.acknowledged.append(json.loads(answer.body)["ref"])
                    person.setdefault("filed", []).append(self.acknowledged[-1])
            time.sleep(PAUSE)
        raise AssertionError("a resident ran out of drafts: raise DRAFTS_EACH")

    def browse(self) -> None:
        person = self.people[0]
        n = 0
        while not self.stopping.is_set():
            n += 1
            with self.lock:
                refs = list(person.get("filed", [])[-1:])  # the resident's own
            if n % 2 and refs:
                self.ask(
                    n, "read", "GET", f"/api/v1/applications/{refs[0]}", None, self.headers(person)
                )
            else:
                language = "zh-CN,zh;q=0.9" if n % 4 < 2 else "en-GB,en;q=0.9"
                self.ask(
                    n,
                    "page",
                    "GET",
                    "/services/",
                    None,
                    {"Accept": "text/html", "Accept-Language": language},
                )
            time.sleep(PAUSE)

    def start(self) -> None:
        self.threads = [
            threading.Thread(target=self.file, args=(slot,), daemon=True)
            for slot in range(len(self.people))
        ]
        self.threads.append(threading.Thread(target=self.browse, daemon=True))
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)

    def between(self, start: float, end: float, kind: str | None = None) -> list[Answer]:
        with self.lock:
            return [
                a
                for a in self.answers
                if start <= a.began <= end and (kind is None or a.kind == kind)
            ]

    def filed_since(self, moment: float) -> bool:
        return any(a.status == 201 for a in self.between(moment, time.monotonic(), "file"))


@dataclass
class Site:
    folder: Path
    postgres: Postgres
    redis: Redis
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        self.logs.append((self.folder / f"{name}.log").open("ab"))
        process = subprocess.Popen(  # noqa: S603
            command, env=self.env, cwd=ROOT, stdout=self.logs[-1], stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.postgres.url, connect_timeout=5) as connection:
            return connection.execute(query).fetchall()

    def probe(self) -> list[dict[str, Any]]:
        path = self.folder / "probe.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def tail(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-2500:] if path.exists() else ""


@pytest.fixture
def site(tools: None) -> Iterator[Site]:
    folder = Path(tempfile.mkdtemp(prefix="onewindow-faults-"))
    postgres = Postgres(folder)
    redis = Redis(folder / "redis")
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "tests.web.faults_settings",
        "DATABASE_URL": postgres.url,
        "ONEWINDOW_TASKS_URL": redis.url,
        "ONEWINDOW_VAR_DIR": str(folder / "var"),
        "ONEWINDOW_SECRET_KEY": secrets.token_urlsafe(48),
        "ONEWINDOW_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ONEWINDOW_SMS_BACKEND": "tests.web.faults_probe.record_sms",
        "ONEWINDOW_FAULTS_LOG": str(folder / "probe.jsonl"),
        "ONEWINDOW_ALLOWED_HOSTS": "127.0.0.1",
        "ONEWINDOW_DEBUG": "0",
        "ONEWINDOW_LOG_LEVEL": "WARNING",
        "ONEWINDOW_TICK_SECONDS": "10",
    }
    made = Site(folder, postgres, redis, env)
    try:
        postgres.init()
        postgres.start()
        redis.start()
        yield made
    finally:
        for process in made.processes.values():
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
                process.terminate()
        for process in made.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if redis.process is not None and redis.process.poll() is None:
            redis.kill()
        with contextlib.suppress(subprocess.SubprocessError):  # already stopped
            postgres.stop("fast")
        for log in [*made.logs, postgres.output, redis.output]:
            log.close()
        if os.environ.get("ONEWINDOW_FAULT_KEEP") == "1":
            print(f"fault test files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def serve(site: Site) -> tuple[list[int], list[str]]:
    ports = [free_port(), free_port()]
    for number, port in enumerate(ports):
        site.spawn(
            f"server{number}",
            serve_command(port, workers=1),
        )
    workers = [["worker"], ["worker", "--no-tick"]]
    for number, arguments in enumerate(workers):
        site.spawn(f"worker{number}", [sys.executable, "-m", "onewindow.config.cli", *arguments])
    for number, port in enumerate(ports):

        def ready(port: int = port, name: str = f"server{number}") -> bool:
            assert site.processes[name].poll() is None, site.tail(name)
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/readyz")
                return connection.getresponse().status == 200
            except OSError:
                return False

        wait_for(ready, 60, f"server{number} did not start")
    return ports, ["worker0", "worker1"]


def test_database_and_redis_going_away_under_load_lose_nothing(site: Site) -> None:
    began = time.monotonic()
    # Given a migrated database with residents ready to file, two servers and two workers
    site.manage("-m", "onewindow.config.cli", "migrate", "--run-syncdb", "--noinput", "-v0")
    setup = json.loads(
        site.manage("-m", "tests.web.faults_setup", str(FILERS), str(DRAFTS_EACH))
        .strip()
        .splitlines()[-1]
    )
    ports, workers = serve(site)
    pids = {name: process.pid for name, process in site.processes.items()}
    load = Load(ports, setup["people"], setup["service"])
    load.start()
    try:
        wait_for(lambda: len(load.acknowledged) >= 10, 30, "no filing went through at first")

        # When the database goes away for 30 s, abruptly, and comes back
        database_down = time.monotonic()
        site.postgres.stop("immediate")
        time.sleep(OUTAGE_SECONDS)
        site.postgres.start()
        database_up = time.monotonic()
        recovery = wait_for(
            lambda: load.filed_since(database_up), 30, "filing did not recover by itself"
        )

        # And the workers fall behind, so work waits in Redis, and Redis goes away for 30 s
        time.sleep(2)
        for name in workers:
            os.kill(site.processes[name].pid, signal.SIGSTOP)
        wait_for(lambda: site.redis.queued() >= 5, 20, "no work piled up in Redis")
        queued_before = site.redis.queued()
        site.redis.kill()
        redis_down = time.monotonic()
        for name in workers:
            os.kill(site.processes[name].pid, signal.SIGCONT)
        time.sleep(OUTAGE_SECONDS)
        site.redis.start()
        redis_up = time.monotonic()
        time.sleep(3)
    finally:
        load.stop()
    load_ended = time.monotonic()

    # Then every acknowledged application is there, and its receipt went out once
    acknowledged = set(load.acknowledged)
    stored = {ref for (ref,) in site.sql("SELECT ref FROM applications_application")}

    def receipts() -> Counter[str]:
        sent = [line["text"] for line in site.probe() if line["kind"] == "sms"]
        return Counter(ref for ref in acknowledged for text in sent if f"/{ref}/" in text)

    def drained() -> bool:
        return len(receipts()) == len(acknowledged) and site.sql(
            "SELECT count(*) FROM core_heldtask"
        ) == [(0,)]

    def progress() -> str:
        held = site.sql("SELECT count(*) FROM core_heldtask")[0][0]
        return (
            f"{len(receipts())} of {len(acknowledged)} receipts sent,"
            f" {held} tasks held,"
            f" {site.redis.queued()} queued in Redis; worker0: {site.tail('worker0')[-1500:]}"
        )

    try:
        drain = wait_for(drained, 90, "queued work did not all run after Redis came back")
    except AssertionError as failure:
        raise AssertionError(f"{failure}: {progress()}") from None
    answers = load.answers
    statuses = Counter(answer.status for answer in answers)
    during_database = load.between(database_down + 1, database_up)
    during_redis = load.between(redis_down, redis_up, "file")
    lines = site.probe()
    by_job: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        if line["kind"] in ("start", "done", "failed"):
            by_job[line["job"]].append(line["kind"])
    summary = (
        f"{len(answers)} answers {dict(statuses)}; {len(acknowledged)} filings acknowledged,"
        f" {len(stored)} stored; filing recovered {recovery:.1f} s after the database;"
        f" {queued_before} jobs waited in Redis when it died, {len(during_redis)} filings"
        f" while it was away; drained {drain:.1f} s after the load;"
        f" slowest answer {max(a.seconds for a in answers):.1f} s;"
        f" {len(by_job)} jobs, {sum(k.count('failed') for k in by_job.values())} failed runs;"
        f" {time.monotonic() - began:.0f} s in all"
    )
    print(summary)

    # No 500, no hang: every request got an answer, 2xx or 503, in bounded time
    assert set(statuses) <= {200, 201, 503}, [
        (a.kind, a.status, a.body[:300]) for a in answers if a.status not in (200, 201, 503)
    ][:5]
    assert max(answer.seconds for answer in answers) < CLIENT_TIMEOUT - 5, summary
    # 503 with Retry-After while the database was away: problem+json for the API ...
    unavailable = [answer for answer in answers if answer.status == 503]
    assert all(answer.retry_after and int(answer.retry_after) > 0 for answer in unavailable)
    api = [a for a in during_database if a.kind in ("file", "read") and a.status == 503]
    assert api, summary
    assert all(a.content_type == "application/problem+json" for a in api)
    assert {json.loads(a.body)["status"] for a in api} == {503}
    # ... and a page in the visitor's language, with the other language below it
    pages = [a for a in during_database if a.kind == "page" and a.status == 503]
    assert any(a.language.startswith("zh") for a in pages), summary
    assert any(a.language.startswith("en") for a in pages), summary
    for page in pages:
        text = page.body.decode()
        assert page.content_type.startswith("text/html")
        first, second = (
            (ZH_TITLE, EN_TITLE) if page.language.startswith("zh") else (EN_TITLE, ZH_TITLE)
        )
        assert first in text
        assert second in text
        assert text.index(first) < text.index(second)
    # Recovery without a restart: the same processes, all still running
    assert all(process.poll() is None for process in site.processes.values()), summary
    assert {name: process.pid for name, process in site.processes.items()} == pids
    assert recovery < 25, summary
    # While Redis was away, filing went on
    assert during_redis, summary
    assert all(answer.status == 201 for answer in during_redis), summary
    # 0 acknowledged writes lost
    assert acknowledged <= stored, sorted(acknowledged - stored)[:5]
    # Work queued before the outage and work enqueued during it all ran, each exactly once
    assert queued_before >= 5
    assert set(receipts().values()) == {1}, summary
    assert all(kinds.count("done") <= 1 for kinds in by_job.values()), summary
    assert all(
        kinds.index("done") == len(kinds) - 1 for kinds in by_job.values() if "done" in kinds
    ), "a job started again after it had completed"
    # Scale-out: both servers filed, both workers ran jobs
    filed_on = Counter(a.port for a in answers if a.kind == "file" and a.status == 201)
    assert len(filed_on) == len(ports), filed_on
    ran_in = Counter(line["pid"] for line in lines if line["kind"] == "done")
    assert set(ran_in) == {pids[name] for name in workers}, ran_in
    assert load_ended - began < 240, summary

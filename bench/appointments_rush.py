"""A booking rush on service-hall slots, with the server killed mid-rush and restarted.

    .venv/bin/python bench/appointments_rush.py [--db sqlite|postgres|both]
        [--slots 10000] [--requests 100000] [--clients 64] [--kill-at 0.3]

Issue 21's scenario: `--requests` bookings for `--slots` places (slots of capacity 1, each
asked for at least once) from `--clients` client threads, one resident each, through
`POST /api/v1/appointments` with an Idempotency-Key each, against granian served as
`make demo` serves it (the command line read from the Makefile), on a fresh SQLite file or a
fresh PostgreSQL database. Once `--kill-at` of the requests are answered, granian's process
group is killed with SIGKILL; it restarts and every unanswered request is sent again with
its own key and body; a sample of the confirmed ones too (their answer must be the same,
byte for byte). Then, from the database: confirmed bookings (must be exactly the number of
places), overbooked slots, slots whose count differs from their bookings, confirmations a
client saw that are not there (lost), keys with two bookings. Beside it, in the same run and
database, the ceiling: a bare counter `UPDATE … SET n = n + 1 WHERE n < cap` by as many
threads, as many times. Results go to stdout and bench/appointments_results.md.
The defaults are the issue's full size; run it small on a shared machine
(`--slots 200 --requests 2000 --clients 8`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from applications_load import (
    BIN,
    ROOT,
    _session,
    define_map,
    demo_server_arguments,
    free_port,
    generate_id,
    pg_admin,
    wait_ready,
)

SERVICE = "330000-HRSS-SB-001"
PASSWORD = "bench-password-2026"  # noqa: S105  (never signed in with: sessions are made)
RESULTS = ROOT / "bench" / "appointments_results.md"


def helper_setup(slots: int, clients: int) -> dict[str, Any]:
    """The map, a department, a hall open round the clock with enough windows for `slots`
    places ahead (capacity 1), residents with sessions."""
    import random as chance
    from datetime import date, time, timedelta

    from django.utils import timezone

    from onewindow.appointments import services
    from onewindow.appointments.models import Hall, HallLevel, Slot, Window
    from onewindow.core.calendar import SHANGHAI
    from onewindow.identity.models import Department, DepartmentKind
    from onewindow.identity.services import register_citizen

    made = define_map()
    department = Department.objects.create(
        code="330106-HRSS",
        name_zh="西湖区人力资源和社会保障局",
        name_en="Xihu District Human Resources and Social Security Bureau",
        kind=DepartmentKind.HUMAN_RESOURCES,
        division=made["district"],
    )
    hall = Hall.objects.create(
        code="bench-hall",
        name_zh="基准大厅",
        name_en="Bench hall",
        level=HallLevel.COUNTY,
        division=made["district"],
        opens_at=time(0, 0),
        closes_at=time(23, 59),
        slot_minutes=10,
        slot_capacity=1,
    )
    for number in range(1, slots // 1000 + 2):
        Window.objects.create(hall=hall, number=number, department=department, services=[SERVICE])
    services.open_slots(hall, first_day=timezone.now().astimezone(SHANGHAI).date(), days=21)
    ahead = timezone.now() + timedelta(hours=3)
    targets = list(
        Slot.objects.filter(window__hall=hall, starts_at__gt=ahead)
        .order_by("starts_at", "window__number")
        .values_list("pk", flat=True)[:slots]
    )
    assert len(targets) == slots, f"only {len(targets)} slots ahead"
    rng = chance.Random(2026)
    sessions = []
    for n in range(clients):
        user = register_citizen(
            username=f"rush{n}",
            password=PASSWORD,
            real_name="王芳",
            id_number=generate_id(rng, date(1970 + n % 30, 1 + n % 12, 1 + n % 28), n),
            mobile=f"139{n:08d}",
            division=made["community"],
        )
        sessions.append(_session(user))
    return {"slots": targets, "sessions": sessions}


def run_helper(env: dict[str, str], name: str, *extra: str) -> Any:
    command = [sys.executable, __file__, "_helper", name, *extra]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"helper {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Booking:
    client: int
    key: str
    body: bytes
    status: int | None = None
    answer: bytes = b""
    seconds: float = 0.0


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log.open("ab")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "granian"), *demo_server_arguments(ROOT, self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches every worker
        )
        wait_ready(self.port, self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _send(
    link: http.client.HTTPConnection, session: str, csrf: str, booking: Booking
) -> tuple[int, bytes]:
    link.request(
        "POST",
        "/api/v1/appointments",
        body=booking.body,
        headers={
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
            "Idempotency-Key": booking.key,
        },
    )
    answer = link.getresponse()
    return answer.status, answer.read()


def rush(
    server: Server,
    sessions: list[str],
    bookings: list[Booking],
    *,
    kill_after: int | None,
) -> float:
    """Send every unanswered booking, a thread per client on a keep-alive connection; kill
    the server once `kill_after` are answered. Returns the seconds the rush took."""
    csrf = secrets.token_hex(16)
    answered = threading.Semaphore(0)
    dead = threading.Event()

    def client(slot: int) -> None:
        link = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        for booking in (b for b in bookings if b.client == slot and b.status is None):
            if dead.is_set():
                return
            started = time.perf_counter()
            try:
                booking.status, booking.answer = _send(link, sessions[slot], csrf, booking)
            except (OSError, http.client.HTTPException):
                link.close()
                if dead.is_set():
                    return
                link = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                continue
            booking.seconds = time.perf_counter() - started
            answered.release()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(sessions))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    if kill_after is not None:
        for _ in range(kill_after):
            answered.acquire()
        dead.set()
        server.kill()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def counter_ceiling(url: str, path: Path | None, threads: int, count: int, places: int) -> float:
    """Bare `UPDATE counter SET n = n + 1 WHERE n < cap` by `threads` threads, `count` in all,
    on the same database: updates a second."""
    per = count // threads
    if path is not None:
        with sqlite3.connect(path) as setup:
            setup.execute("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INT, cap INT)")
            setup.executemany(
                "INSERT INTO bench_counter VALUES (?, 0, 1)", [(i,) for i in range(places)]
            )

        def work(seed: int) -> None:
            rng = random.Random(seed)
            link = sqlite3.connect(path, timeout=60, isolation_level=None)
            link.execute("PRAGMA journal_mode=WAL")
            for _ in range(per):
                link.execute("BEGIN IMMEDIATE")
                link.execute(
                    "UPDATE bench_counter SET n = n + 1 WHERE id = ? AND n < cap",
                    (rng.randrange(places),),
                )
                link.execute("COMMIT")
            link.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as pg_setup:
            pg_setup.execute("CREATE TABLE bench_counter (id INT PRIMARY KEY, n INT, cap INT)")
            pg_setup.execute(
                "INSERT INTO bench_counter SELECT g, 0, 1 FROM generate_series(0, %s) g",
                (places - 1,),
            )

        def work(seed: int) -> None:
            rng = random.Random(seed)
            with psycopg.connect(url, autocommit=True) as link:
                for _ in range(per):
                    link.execute(
                        "UPDATE bench_counter SET n = n + 1 WHERE id = %s AND n < cap",
                        (rng.randrange(places),),
                    )

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return per * threads / (time.perf_counter() - started)


def rows(url: str, path: Path | None, sql: str) -> list[tuple[Any, ...]]:
    if path is not None:
        with sqlite3.connect(path) as lite:
            return lite.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url) as link:
        return link.execute(sql.encode()).fetchall()


def run_db(kind: str, slots: int, requests: int, clients: int, kill_at: float) -> dict[str, Any]:
    temp = Path(tempfile.mkdtemp(prefix=f"onewindow-rush-{kind}-"))
    name = f"onewindow_rush_{secrets.token_hex(4)}"
    path: Path | None = temp / "app.sqlite3"
    url = f"sqlite:///{path}"
    if kind == "postgres":
        path = None
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        pg_admin(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": url,
        "ONEWINDOW_VAR_DIR": str(temp / "var"),
        "ONEWINDOW_SECRET_KEY": secrets.token_urlsafe(48),
        "ONEWINDOW_DATA_KEY": __import__("base64")
        .urlsafe_b64encode(secrets.token_bytes(32))
        .decode(),
        "ONEWINDOW_ALLOWED_HOSTS": "127.0.0.1",
        "ONEWINDOW_DEBUG": "0",
    }
    server = Server(env, temp / "granian.log")
    try:
        subprocess.run(
            [str(BIN / "onewindow"), "migrate", "--noinput"],
            env=env,
            check=True,
            capture_output=True,
        )
        made = run_helper(env, "setup", str(slots), str(clients))
        rng = random.Random(21)
        wanted = list(made["slots"]) + [rng.choice(made["slots"]) for _ in range(requests - slots)]
        rng.shuffle(wanted)
        bookings = [
            Booking(
                n % clients,
                str(uuid.uuid4()),
                json.dumps({"slot": s, "service_code": SERVICE}).encode(),
            )
            for n, s in enumerate(wanted)
        ]
        server.start()
        first = rush(server, made["sessions"], bookings, kill_after=int(requests * kill_at))
        unanswered = sum(1 for b in bookings if b.status is None)
        restart = time.perf_counter()
        server.start()
        restarted = time.perf_counter() - restart
        second = rush(server, made["sessions"], bookings, kill_after=None)
        left = [b for b in bookings if b.status is None]
        if left:  # requests cut off in the second round too: a third
            second += rush(server, made["sessions"], bookings, kill_after=None)
        seen = {b.key: json.loads(b.answer)["ref"] for b in bookings if b.status == 201}
        replayed = [b for b in bookings if b.status == 201][:200]
        csrf = secrets.token_hex(16)
        link = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        replay_differs = sum(
            1
            for b in replayed
            if _send(link, made["sessions"][b.client], csrf, b) != (201, b.answer)
        )
        server.stop()
        stored = dict(
            rows(
                url,
                path,
                "SELECT idempotency_key, ref FROM appointments_booking WHERE status = 'booked'",
            )
        )
        counts = rows(
            url,
            path,
            "SELECT s.capacity, s.booked, (SELECT COUNT(*) FROM appointments_booking b "
            "WHERE b.slot_id = s.id AND b.status = 'booked') FROM appointments_slot s "
            "WHERE s.booked > 0",
        )
        ceiling = counter_ceiling(url, path, clients, requests, slots)
        latencies = sorted(b.seconds for b in bookings if b.status is not None and b.seconds)
        statuses: dict[str, int] = {}
        for b in bookings:
            statuses[str(b.status)] = statuses.get(str(b.status), 0) + 1
        return {
            "db": kind,
            "slots": slots,
            "requests": requests,
            "clients": clients,
            "statuses": statuses,
            "unanswered_at_kill": unanswered,
            "restart_seconds": round(restarted, 1),
            "rush_seconds": round(first + second, 1),
            "bookings_per_second": round(requests / (first + second), 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else 0,
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else 0,
            "confirmed": len(stored),
            "overbooked": sum(1 for cap, booked, _n in counts if booked > cap),
            "count_mismatch": sum(1 for _c, booked, n in counts if booked != n),
            "lost": sum(1 for key, ref in seen.items() if stored.get(key) != ref),
            "answered_201_not_stored_or_stored_not_answered": len(set(seen) ^ set(stored)),
            "replay_differs": replay_differs,
            "counter_updates_per_second": round(ceiling, 1),
        }
    finally:
        server.stop() if not server.log.closed else None
        if kind == "postgres":
            for _ in range(20):
                try:
                    pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
                    break
                except Exception:
                    time.sleep(0.5)


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "| db | slots | requests | clients | answers | unanswered at the kill | bookings/s "
        "| p50 ms | p99 ms | confirmed | overbooked | count ≠ bookings | lost | replay differs "
        "| bare counter UPDATE/s | ratio |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for r in results:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        ratio = (
            r["bookings_per_second"] / r["counter_updates_per_second"]
            if r["counter_updates_per_second"]
            else 0
        )
        lines.append(
            f"| {r['db']} | {r['slots']} | {r['requests']} | {r['clients']} | {answers} "
            f"| {r['unanswered_at_kill']} | {r['bookings_per_second']} "
            f"| {r['p50_ms']} | {r['p99_ms']} "
            f"| {r['confirmed']} | {r['overbooked']} | {r['count_mismatch']} | {r['lost']} "
            f"| {r['replay_differs']} | {r['counter_updates_per_second']} | {ratio:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_helper":
        import django

        sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
        django.setup()
        print(json.dumps(helper_setup(int(sys.argv[3]), int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--slots", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--kill-at", type=float, default=0.3)
    arguments = parser.parse_args()
    kinds = ["sqlite", "postgres"] if arguments.db == "both" else [arguments.db]
    results = [
        run_db(kind, arguments.slots, arguments.requests, arguments.clients, arguments.kill_at)
        for kind in kinds
    ]
    table = report(results)
    print(table)
    failed = [r for r in results if r["overbooked"] or r["lost"] or r["count_mismatch"]
              or r["confirmed"] != r["slots"] or r["replay_differs"]]  # fmt: skip
    with RESULTS.open("a") as out:
        out.write(
            f"\n## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
            f"(`appointments_rush.py {' '.join(sys.argv[1:])}`)\n\n{table}\n"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

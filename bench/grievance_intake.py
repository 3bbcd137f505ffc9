"""Hotline intake: cases filed per second through `grievances.intake.submit_case`, against a
bare insert of the same rows in the same run.

    .venv/bin/python bench/grievance_intake.py [--db sqlite|postgres|both] [--cases 1000]
        [--repeat 3] [--before REV] [--profile]

For each database (a fresh SQLite file in a temp dir with the app's pragmas; a fresh
PostgreSQL database on 127.0.0.1:5432, created and dropped here, skipped with a message if
PostgreSQL is unreachable) and each source tree (this one, and with `--before REV` that
revision's `src/`, unpacked with `git archive`), a child process migrates once and then, for
every round the parent asks for (after one unreported warm-up round of 20 cases, which pays
the process's one-time loads), on an emptied database, in one process on one thread:

- **bare insert** (the ceiling): `Case.objects.create` of the same number of rows, each in
  its own transaction, with deadlines and terms precomputed: the database's share alone;
- **classify only**: `classifier.classify(text)` for the same texts (the CPU share);
- **intake**: `submit_case` as the agent's console calls it (a caller's name and number, an
  SMS confirmation): checks, flood limits, classification, routing, the reference counter,
  the case, its encrypted reporter, the routing decision in the ledger, the duplicate
  search, one transaction each;
- **statements per case**: every statement of 50 more intakes (CaptureQueriesContext; on
  SQLite BEGIN and COMMIT are among them, on PostgreSQL the driver sends them unseen).

Rounds alternate between the source trees (before, after, before, after, …) so that both
see the same machine; each figure is the median of `--repeat` rounds. Texts come from the
router's held-out corpus split, so routing decisions are realistic. Results go to stdout and
bench/hotline_results.md; `--profile` prints a cProfile of intake (last round) per child.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # imported for real after django.setup()
    from onewindow.core.models import Division
    from onewindow.identity.models import User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import hangzhou  # noqa: E402 - the map every benchmark starts from
from exchange_calls import pg_admin, pg_reachable  # noqa: E402 - the same helpers
from revisions import unpack  # noqa: E402

STATEMENT_SAMPLE = 50
WARM_UP = 20


# ----- the child: one database, one source tree, rounds on request -------------------------


def _world() -> tuple[Division, User]:
    from onewindow.core.divisions import Level, UrbanRural
    from onewindow.core.services import define_division
    from onewindow.identity import services as identity
    from onewindow.identity.models import Department, DepartmentKind, Role

    city = hangzhou()
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


def _submit(texts: list[str], division: Division, agent: User, first: int) -> None:
    from onewindow.grievances import intake

    for number, body in enumerate(texts, start=first):
        intake.submit_case(
            kind="complaint",
            text_in=body,
            location=intake.Location(division=division),
            channel="hotline",
            contact=intake.Contact(name="张先生", phone=f"139{number:08d}", preference="sms"),
            recorded_by=agent,
        )


def _intake(texts: list[str], division: Division, agent: User) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onewindow.grievances.models import Case, CaseStatus

    started = time.perf_counter()
    _submit(texts, division, agent, 0)
    rate = len(texts) / (time.perf_counter() - started)
    routed = Case.objects.filter(status=CaseStatus.ASSIGNED).count() / max(1, len(texts))
    with CaptureQueriesContext(connection) as captured:
        _submit(texts[:STATEMENT_SAMPLE], division, agent, len(texts))
    sample = min(STATEMENT_SAMPLE, len(texts))
    return {
        "rate": rate,
        "routed": routed,
        "statements": len(captured.captured_queries) / max(1, sample),
    }


def _profile(texts: list[str], division: Division, agent: User) -> None:
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    _submit(texts, division, agent, 10**6)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
    print(out.getvalue(), file=sys.stderr)


def _round(texts: list[str], profile: bool) -> dict[str, float]:
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)
    division, agent = _world()
    bare = _bare(texts, division)
    call_command("flush", "--noinput", verbosity=0)
    division, agent = _world()
    result = {"bare": bare, "classify": _classify(texts), **_intake(texts, division, agent)}
    if profile:
        _profile(texts, division, agent)
    return result


def child(arguments: argparse.Namespace) -> None:
    """Migrate, then run one round per "round" line on stdin, one JSON line out for each."""
    answer: IO[str] = sys.stdout
    sys.stdout = sys.stderr  # the console SMS backend prints: keep the answers' channel clean
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ONEWINDOW_HOTLINE_RATE_LIMITS = {"phone": (10**9, 60), "address": (10**9, 60)}
    call_command("migrate", verbosity=0)
    texts = _texts(arguments.cases)
    # One small round unreported: the URLconf (the SMS text reverses a URL), rjieba's
    # dictionary and the model load once per process, seconds that are no case's cost.
    with contextlib.redirect_stdout(sys.stderr):
        _round(texts[:WARM_UP], profile=False)
    print("ready", file=answer, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command not in ("round", "profile"):
            break
        with contextlib.redirect_stdout(sys.stderr):
            result = _round(texts, profile=command == "profile")
        print(json.dumps(result), file=answer, flush=True)


# ----- the parent: source trees × databases, rounds alternating, then the table ----------------


class Child:
    """One child process: a source tree on a database of its own."""

    def __init__(self, label: str, kind: str, source: Path, arguments: argparse.Namespace):
        self.label, self.kind = label, kind
        temp = Path(tempfile.mkdtemp(prefix=f"onewindow-bench-hotline-{kind}-"))
        self.database = ""
        url = f"sqlite:///{temp / 'bench.sqlite3'}"
        if kind == "postgres":
            self.database = f"onewindow_bench_hotline_{secrets.token_hex(4)}"
            pg_admin(f'CREATE DATABASE "{self.database}"')
            url = f"postgresql://postgres@127.0.0.1:5432/{self.database}"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(source), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "onewindow.config.settings_test",
            "DATABASE_URL": url,
            "ONEWINDOW_VAR_DIR": str(temp / "var"),
        }
        self.log = (temp / "child.log").open("w+", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "_child", *sys.argv[1:]],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self._answer()  # "ready": migrated

    def _answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            raise RuntimeError(f"{self.kind}, {self.label} failed:\n{self.log.read()[-4000:]}")
        return line

    def round(self, *, profile: bool) -> dict[str, float]:
        assert self.process.stdin is not None
        self.process.stdin.write("profile\n" if profile else "round\n")
        self.process.stdin.flush()
        result: dict[str, float] = json.loads(self._answer())
        return result

    def profile_text(self) -> str:
        self.log.seek(0)
        text = self.log.read()
        start = text.rfind("function calls")
        return text[text.rfind("\n", 0, start) :] if start >= 0 else ""

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)
        self.log.close()
        if self.database:
            pg_admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def table(results: list[tuple[str, str, dict[str, float]]]) -> str:
    lines = [
        "| code | database | bare insert rows/s (ceiling) | classify only /s | "
        "intake cases/s | ÷ bare insert | statements per case | routed without dispatcher |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, kind, figures in results:
        lines.append(
            f"| {label} | {kind} | {figures['bare']:,.0f} | {figures['classify']:,.0f} | "
            f"{figures['rate']:,.0f} | {figures['rate'] / figures['bare']:.3f} | "
            f"{figures['statements']:.1f} | {figures['routed']:.0%} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default="", help="also measure this git revision's src/")
    parser.add_argument("--profile", action="store_true")
    arguments, _rest = parser.parse_known_args([a for a in sys.argv[1:] if a != "_child"])
    if sys.argv[1:2] == ["_child"]:
        child(arguments)
        return
    sources = [("this tree", ROOT / "src")]
    if arguments.before:
        sources.insert(0, (f"before ({arguments.before})", unpack(arguments.before)))
    kinds = ["sqlite", "postgres"] if arguments.db == "both" else [arguments.db]
    if "postgres" in kinds and not pg_reachable():
        print("PostgreSQL is not reachable on 127.0.0.1:5432: skipping it.")
        kinds.remove("postgres")
    children = []
    try:
        for kind in kinds:
            for label, source in sources:
                print(f"… {kind}, {label}: migrating", flush=True)
                children.append(Child(label, kind, source, arguments))
        rounds: dict[int, list[dict[str, float]]] = {n: [] for n in range(len(children))}
        for number in range(arguments.repeat):
            last = number == arguments.repeat - 1
            for slot, running in enumerate(children):
                print(f"… round {number + 1}: {running.kind}, {running.label}", flush=True)
                rounds[slot].append(running.round(profile=arguments.profile and last))
        if arguments.profile:
            for running in children:
                print(f"\n## {running.kind}, {running.label}\n{running.profile_text()}")
    finally:
        for running in children:
            running.close()
    results = [
        (
            running.label,
            running.kind,
            {key: statistics.median(r[key] for r in rounds[slot]) for key in rounds[slot][0]},
        )
        for slot, running in enumerate(children)
    ]
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    report = (
        f"Run at {head} on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: "
        f"`{' '.join(['bench/grievance_intake.py', *sys.argv[1:]])}`; {arguments.cases} cases "
        f"per phase, medians of {arguments.repeat} rounds, before and after alternating.\n\n"
        f"{table(results)}\n"
    )
    print(report)
    (ROOT / "bench" / "hotline_results.md").write_text(
        "# Hotline intake: last run\n\n" + report, encoding="utf-8"
    )


if __name__ == "__main__":
    main()

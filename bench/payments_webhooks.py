"""Payment confirmations: signed webhooks to "paid" (the payment confirmed once, its ledger
entry, the e-receipt queued for the worker), per second, against a bare conditional UPDATE;
then the worker issuing the receipts.

    .venv/bin/python bench/payments_webhooks.py [--db sqlite|postgres|both] [--payments 500]
        [--repeat 3] [--before REV]

For each database (a fresh SQLite file, or a fresh PostgreSQL database on 127.0.0.1:5432,
created and dropped here) and each source tree (this one, and with `--before REV` that
revision's `src/`, unpacked with `git archive`; the trees alternate, before first), a child
process migrates, makes a payer, a payee department and `--payments` payments through
`payments.services.start_payment` (the demo provider), has the provider take the money for
each (its signed webhooks collected, not delivered), then, in one process on one thread,
with the demo's task backend (tasks are rows in the database, run by `onewindow worker`):

- **bare UPDATE** (the ceiling): `UPDATE … SET status = 'confirmed' WHERE id = ? AND status
  IN (…)` of as many rows, one transaction each;
- **webhook → paid**: `payments.services.receive_webhook` for each webhook, as the endpoint
  calls it (signature and age checked, the payment and its amount matched, one conditional
  UPDATE, the ledger entry, the log row, and on commit what the receivers of
  `payment_confirmed` do in the request: before 2026-12-03 the receipt credential signed,
  encrypted and stored; since, its task queued);
- **duplicates**: every webhook once more (a provider sending twice): found already applied;
- **worker**: `onewindow worker --once` (no periodic tasks) until every payment has its
  receipt: the receipts per second, with the inbox messages' deliveries the worker also runs.

The issue's aim is ≥ 500 confirmations/s. Results go to stdout: the median of `--repeat`
runs per database and tree.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import hangzhou  # noqa: E402 - the map every benchmark starts from
from exchange_calls import pg_admin  # noqa: E402 - the same helper
from revisions import unpack  # noqa: E402


def child(count: int) -> dict[str, float]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import override_settings

    # The demo's backend: a task is a row of the transaction that queues it.
    override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
        ONEWINDOW_PERIODIC_TASKS=[],
    ).enable()
    call_command("migrate", verbosity=0)
    from onewindow.credentials.models import Credential
    from onewindow.identity.models import Department, DepartmentKind
    from onewindow.identity.services import register_citizen
    from onewindow.payments import services
    from onewindow.payments.models import Payment
    from onewindow.payments.provider import DemoProvider

    city = hangzhou()
    payee = Department.objects.create(
        code="330100-HRSS", name_zh="杭州市人力资源和社会保障局",
        name_en="Hangzhou HRSS", kind=DepartmentKind.HUMAN_RESOURCES, division=city,
    )  # fmt: skip
    payer = register_citizen(
        username="payer", password="bench-password-2026", real_name="王芳",  # noqa: S106
        id_number="330106198506150011", mobile="13900000001", division=city,
    )  # fmt: skip
    provider = DemoProvider()
    hooks = []
    for n in range(count * 2):
        payment = services.start_payment(
            services.Charge(payer=payer, payee=payee, purpose=f"bench:{n}",
                            description="bench", gross_fen=2000),
            idempotency_key=f"k{n}",
        )  # fmt: skip
        hooks += provider.pay(payment.provider_payment_id or "", method="card") if n < count else []
    # The second half: payments the provider was not asked about.
    bare_ids = list(
        Payment.objects.filter(purpose__startswith="bench:")
        .order_by("pk")
        .values_list("pk", flat=True)
    )[count:]
    table = Payment._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for pk in bare_ids:
            with transaction.atomic():
                cursor.execute(
                    f"UPDATE {table} SET status = 'confirmed' WHERE id = %s "  # noqa: S608
                    "AND status IN ('created', 'pending', 'failed')",
                    [pk],
                )
    bare = len(bare_ids) / (time.perf_counter() - started)
    started = time.perf_counter()
    for body, signature in hooks:
        services.receive_webhook("demo", body, signature)
    confirmed = len(hooks) / (time.perf_counter() - started)
    started = time.perf_counter()
    outcomes = [services.receive_webhook("demo", b, s).outcome for b, s in hooks]
    duplicates = len(hooks) / (time.perf_counter() - started)
    assert set(outcomes) == {"duplicate"}, set(outcomes)
    # The payments confirmed by webhook whose receipt is still to come (not the bare half).
    unreceipted = Payment.objects.filter(receipt_number="", status="confirmed").exclude(
        pk__in=bare_ids
    )
    waiting = unreceipted.count()
    started = time.perf_counter()
    for _ in range(count):  # each pass drains what is queued; a failing task would loop
        if not unreceipted.exists():
            break
        call_command("worker", "--once", "--no-tick")
    drained = time.perf_counter() - started
    receipts = Credential.objects.filter(kind="fee_receipt").count()
    assert receipts == count, receipts
    return {"bare_updates_per_s": bare, "confirmations_per_s": confirmed,
            "duplicates_per_s": duplicates, "receipts": receipts, "waiting": waiting,
            "worker_receipts_per_s": waiting / drained if waiting else 0.0}  # fmt: skip


def run(kind: str, count: int, source: Path) -> dict[str, float]:
    temp = Path(tempfile.mkdtemp(prefix=f"onewindow-bench-pay-{kind}-"))
    database = ""
    url = f"sqlite:///{temp / 'bench.sqlite3'}"
    if kind == "postgres":
        database = f"onewindow_bench_pay_{secrets.token_hex(4)}"
        pg_admin(f'CREATE DATABASE "{database}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(source), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings_test",
        "DATABASE_URL": url,
        "ONEWINDOW_VAR_DIR": str(temp / "var"),
    }
    try:
        done = subprocess.run(
            [sys.executable, __file__, "_child", str(count)],
            env=env, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(done.stderr[-4000:])
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return result
    finally:
        if database:
            pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_child":
        print(json.dumps(child(int(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--payments", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default="", help="also measure this git revision's src/")
    arguments = parser.parse_args()
    sources = [("after", ROOT / "src")]
    if arguments.before:
        sources.insert(0, (f"before ({arguments.before})", unpack(arguments.before)))
    print(
        f"{arguments.payments} payments, medians of {arguments.repeat} runs\n\n"
        "| db | tree | bare UPDATE/s | webhook → paid /s | ÷ bare | duplicate webhooks /s "
        "| worker: receipts issued /s |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in ["sqlite", "postgres"] if arguments.db == "both" else [arguments.db]:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in sources}
        for _ in range(arguments.repeat):
            for name, source in sources:
                runs[name].append(run(kind, arguments.payments, source))
                print(f"<!-- {kind} {name}: {json.dumps(runs[name][-1])} -->", flush=True)
        for name, _ in sources:
            median = {key: statistics.median(r[key] for r in runs[name]) for key in runs[name][0]}
            ratio = statistics.median(
                r["confirmations_per_s"] / r["bare_updates_per_s"] for r in runs[name]
            )
            worker = (
                f"{median['worker_receipts_per_s']:.0f}"
                if median["worker_receipts_per_s"]
                else "(issued in the request)"
            )
            print(
                f"| {kind} | {name} | {median['bare_updates_per_s']:.0f} "
                f"| {median['confirmations_per_s']:.0f} | {ratio:.3f} "
                f"| {median['duplicates_per_s']:.0f} | {worker} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Payment confirmations: signed webhooks to "paid" (the payment confirmed once, its ledger
entry, the e-receipt issued in the wallet), per second, against a bare conditional UPDATE.

    .venv/bin/python bench/payments_webhooks.py [--db sqlite|postgres|both] [--payments 500]

For each database (a fresh SQLite file, or a fresh PostgreSQL database on 127.0.0.1:5432,
created and dropped here) a child process migrates, makes a payer, a payee department and
`--payments` payments through `payments.services.start_payment` (the demo provider), has
the provider take the money for each (its signed webhooks collected, not delivered), then,
in one process on one thread:

- **bare UPDATE** (the ceiling): `UPDATE … SET status = 'confirmed' WHERE id = ? AND status
  IN (…)` of as many rows, one transaction each;
- **webhook → paid**: `payments.services.receive_webhook` for each webhook, as the endpoint
  calls it (signature and age checked, the payment and its amount matched, one conditional
  UPDATE, the ledger entry, the log row; on commit the receipt credential, signed and
  stored, and the payment noted with it);
- **duplicates**: every webhook once more (a provider sending twice): found already applied.

The issue's aim is ≥ 500 confirmations/s. Results go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import hangzhou  # noqa: E402 - the map every benchmark starts from
from exchange_calls import pg_admin  # noqa: E402 - the same helper


def child(count: int) -> dict[str, float]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

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
    receipts = Credential.objects.filter(kind="fee_receipt").count()
    assert receipts == count, receipts
    return {"bare_updates_per_s": bare, "confirmations_per_s": confirmed,
            "duplicates_per_s": duplicates, "receipts": receipts}  # fmt: skip


def run(kind: str, count: int) -> dict[str, float]:
    temp = Path(tempfile.mkdtemp(prefix=f"onewindow-bench-pay-{kind}-"))
    database = ""
    url = f"sqlite:///{temp / 'bench.sqlite3'}"
    if kind == "postgres":
        database = f"onewindow_bench_pay_{secrets.token_hex(4)}"
        pg_admin(f'CREATE DATABASE "{database}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--payments", type=int, default=500)
    arguments = parser.parse_args()
    print(
        "| db | bare UPDATE/s | webhook → paid (receipt issued) /s | ÷ bare "
        "| duplicate webhooks /s |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in ["sqlite", "postgres"] if arguments.db == "both" else [arguments.db]:
        r = run(kind, arguments.payments)
        print(
            f"| {kind} | {r['bare_updates_per_s']:.0f} | {r['confirmations_per_s']:.0f} "
            f"| {r['confirmations_per_s'] / r['bare_updates_per_s']:.3f} "
            f"| {r['duplicates_per_s']:.0f} |"
        )


if __name__ == "__main__":
    main()

"""An alert's fan-out to the residents of its area: targeting, then delivery records (inbox
message + delivery row per resident) written by the worker's task, against a bare bulk
insert of the same rows in the same run.

    .venv/bin/python bench/alerts_fanout.py [--residents 1000000] [--villages 80] [--batch 2000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/onewindow_bench_alerts \
        .venv/bin/python bench/alerts_fanout.py --residents 200000

On a fresh database (a temp SQLite file by default; a PostgreSQL database must exist and is
migrated from zero): a county with 4 townships of `villages / 4` villages each, an emergency
management bureau, and the residents spread over the villages (bulk insert, not timed; every
tenth without a phone). One alert for the county, published through the real services. Then:

- **targeting**: the divisions of the area and every resident's key, in batches, as the fan-out
  reads them (`alerts.delivery.target_division_ids` + `recipient_batches`);
- **fan-out**: the body of the worker's `alerts.tasks.fan_out` task (`delivery.fan_out`): per
  batch, one transaction with the inbox messages (`notify.send_many`) and the deliveries, and
  one `deliver_messages` task queued for the e-mail and SMS copies (database task backend, as
  in the demo; the copies themselves are sent by the worker afterwards and not timed);
- **bare insert** (the ceiling): the same Message and AlertDelivery rows for a second alert,
  built in memory beforehand and bulk-inserted in the same batches and transactions.

Prints the three figures and the ratio fan-out / bare insert.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import fresh_database, hangzhou  # noqa: E402 - the map every benchmark starts from


def _setup() -> None:
    fresh_database("alerts")
    from django.test.utils import override_settings

    # The worker's backend: tasks are rows in the database, as in the demo (the fan-out is
    # queued by publishing, and run below as the worker runs it).
    override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}).enable()


def _world(residents: int, villages: int) -> tuple[int, int]:
    """The map, the bureau, its two officers and the residents; returns two alerts' keys."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onewindow.alerts import services
    from onewindow.alerts.authoring import AlertDraft, AreaDraft, InfoDraft
    from onewindow.core import personal_data
    from onewindow.core.divisions import Level, UrbanRural
    from onewindow.core.services import define_division
    from onewindow.identity import services as identity
    from onewindow.identity.models import MOBILE_CONTEXT, Department, DepartmentKind, User

    city = hangzhou()
    county = define_division(
        code="330127", level=Level.COUNTY, name_zh="淳安县", name_en="Chun'an", parent=city
    )
    village_ids = []
    per_township = max(1, villages // 4)
    for township_number in range(1, 5):
        township = define_division(
            code=f"330127{200 + township_number:03d}",
            level=Level.TOWNSHIP,
            name_zh=f"乡{township_number}",
            name_en=f"Township {township_number}",
            parent=county,
            urban_rural=UrbanRural.RURAL_CENTRE,
        )
        for village_number in range(1, per_township + 1):
            village = define_division(
                code=f"{township.code}{200 + village_number:03d}",
                level=Level.VILLAGE,
                name_zh=f"村{village_number}",
                name_en=f"Village {village_number}",
                parent=township,
                urban_rural=UrbanRural.VILLAGE,
            )
            village_ids.append(village.pk)
    bureau = Department.objects.create(
        code="330100-EMERG",
        name_zh="杭州市应急管理局",
        name_en="Hangzhou Emergency Management Bureau",
        kind=DepartmentKind.EMERGENCY,
        division=city,
    )
    officers = []
    for username, role in (("bench-author", "reviewer"), ("bench-approver", "approver")):
        officer = identity.create_officer(
            username=username,
            password="bench-password-1",  # noqa: S106
            real_name="许海涛",
            department=bureau,
            roles=[role],
        )
        TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
        officers.append(officer)
    # One ciphertext for every phone: the fan-out only checks that there is one.
    phone = personal_data.encrypt("13900000000", context=MOBILE_CONTEXT)
    started = time.perf_counter()
    chunk = 20_000
    for start in range(0, residents, chunk):
        with transaction.atomic():
            User.objects.bulk_create(
                User(
                    username=f"r{number}",
                    password="!",  # noqa: S106  (an unusable password, as Django writes it)
                    kind="citizen",
                    division_id=village_ids[number % len(village_ids)],
                    mobile_encrypted=phone if number % 10 else "",
                    preferred_language="en" if number % 4 == 0 else "zh-hans",
                    email=f"r{number}@example.org" if number % 2 else "",
                )
                for number in range(start, min(start + chunk, residents))
            )
    print(
        f"setup: {residents:,} residents in {len(village_ids)} villages "
        f"({time.perf_counter() - started:.1f} s, not timed)",
        file=sys.stderr,
    )
    now = timezone.now()
    draft = AlertDraft(
        department_code=bureau.code,
        category="Met",
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        onset=now,
        expires=now + timedelta(days=1),
        infos=[
            InfoDraft("zh-hans", "台风", "台风橙色预警", "今晚登陆。", "请留在室内。", "淳安县"),
            InfoDraft("en", "Typhoon", "Orange typhoon warning", "Tonight.", "Stay in.", "Chun'an"),
        ],
        areas=[AreaDraft("division", division_code=county.code)],
    )
    alerts = []
    for _ in range(2):  # the second one receives the bare insert
        alert = services.compose_alert(officers[0], draft)
        alerts.append(services.approve_alert(officers[1], alert).pk)
    return alerts[0], alerts[1]


def _targeting(alert_pk: int, batch: int) -> tuple[float, int]:
    from onewindow.alerts import delivery
    from onewindow.alerts.models import Alert

    started = time.perf_counter()
    alert = Alert.objects.select_related("department__division").get(pk=alert_pk)
    found = sum(
        len(rows)
        for rows in delivery.recipient_batches(delivery.target_division_ids(alert), size=batch)
    )
    return time.perf_counter() - started, found


def _fan_out(alert_pk: int, batch: int) -> tuple[float, int]:
    from onewindow.alerts import delivery

    started = time.perf_counter()
    written = delivery.fan_out(alert_pk, batch_size=batch)
    return time.perf_counter() - started, written


def _bare(alert_pk: int, source_alert_pk: int, batch: int) -> tuple[float, int]:
    """The same rows as the fan-out wrote, for another alert, bulk-inserted: the ceiling."""
    from django.db import transaction

    from onewindow.alerts.models import AlertDelivery
    from onewindow.notify.models import Message

    written = list(
        AlertDelivery.objects.filter(alert_id=source_alert_pk)
        .select_related("message")
        .order_by("pk")
    )
    rows = []
    for done in written:
        message = done.message
        assert message is not None
        message.pk = None
        message.subject_ref = "bare"
        rows.append((message, done))
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        with transaction.atomic():
            messages = Message.objects.bulk_create([message for message, _ in part])
            AlertDelivery.objects.bulk_create(
                AlertDelivery(
                    alert_id=alert_pk,
                    recipient_id=done.recipient_id,
                    message_id=message.pk,
                    division_id=done.division_id,
                    needs_visit=done.needs_visit,
                )
                for message, (_, done) in zip(messages, part, strict=True)
            )
    return time.perf_counter() - started, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=80)
    parser.add_argument("--batch", type=int, default=2000)
    arguments = parser.parse_args()
    _setup()
    from django.db import connection

    alert_pk, bare_pk = _world(arguments.residents, arguments.villages)
    targeting, found = _targeting(alert_pk, arguments.batch)
    fan_out, written = _fan_out(alert_pk, arguments.batch)
    bare, inserted = _bare(bare_pk, alert_pk, arguments.batch)
    assert found == written == inserted == arguments.residents, (found, written, inserted)
    print(
        f"database: {connection.vendor}, residents: {arguments.residents:,}, "
        f"batch: {arguments.batch}"
    )
    print(f"targeting: {targeting:.2f} s ({found / targeting:,.0f} residents/s)")
    print(f"fan-out (worker task): {fan_out:.2f} s, {written / fan_out:,.0f} deliveries/s")
    print(f"bare bulk insert (ceiling): {bare:.2f} s, {inserted / bare:,.0f} rows/s")
    print(f"fan-out / bare insert: {bare / fan_out:.2f}")


if __name__ == "__main__":
    main()

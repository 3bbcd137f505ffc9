"""Claim releases to partner apps become data accesses; so do the window clerks' look-ups at a
hall, which were only in the ledger (its entries name the department and the subject)."""

import json

from django.db import migrations

BATCH = 500


def claim_releases(apps, schema_editor):
    ClaimRelease = apps.get_model("identity", "ClaimRelease")
    DataAccess = apps.get_model("identity", "DataAccess")
    rows = []
    for release in ClaimRelease.objects.select_related("client").order_by("pk").iterator():
        full = release.claim == "id_number"
        rows.append(
            DataAccess(
                kind="claims_released",
                subject_user_id=release.user_id,
                department_id=release.client.contact_department_id,
                accessor=release.client.name[:150],
                what_zh="完整身份证号码" if full else release.claim,
                what_en="Full resident ID number" if full else release.claim,
                purpose=release.via,
                legal_basis_zh=release.client.lawful_basis,
                legal_basis_en=release.client.lawful_basis,
                created_at=release.at,
                ledger_index=release.ledger_index,
            )
        )
    DataAccess.objects.bulk_create(rows, batch_size=BATCH)


def hall_lookups(apps, schema_editor):
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    Department = apps.get_model("identity", "Department")
    User = apps.get_model("identity", "User")
    DataAccess = apps.get_model("identity", "DataAccess")
    departments = dict(Department.objects.values_list("code", "pk"))
    users = set(User.objects.values_list("pk", flat=True))
    rows = []
    entries = LedgerEntry.objects.filter(
        event_type="data.access", subject_ref__startswith="user:"
    ).order_by("index")
    for entry in entries.iterator():
        body = json.loads(entry.body)
        subject = entry.subject_ref.removeprefix("user:")
        if body.get("role") != "window_clerk" or not subject.isdigit():
            continue
        rows.append(
            DataAccess(
                kind="identity_lookup",
                subject_user_id=int(subject) if int(subject) in users else None,
                department_id=departments.get(body.get("department", "")),
                what_zh="按您的身份证号码查找到的账户",
                what_en="Your account, found by your resident ID number",
                purpose="hall_filing",
                created_at=entry.created,
                ledger_index=entry.index,
            )
        )
    DataAccess.objects.bulk_create(rows, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0006_data_access"),
        ("ledger", "0002_audit_runs"),
    ]

    operations = [
        migrations.RunPython(claim_releases, migrations.RunPython.noop),
        migrations.RunPython(hall_lookups, migrations.RunPython.noop),
        migrations.DeleteModel(name="ClaimRelease"),
    ]

"""Officers' openings of application materials become data accesses (identity.DataAccess).
Their ledger entries were written with the application's ref as subject a moment after the
row: each gets the nearest such entry not already taken."""

from datetime import timedelta

from django.db import migrations

BATCH = 500
WHAT = {
    "delivery:address": ("邮寄地址", "Postal address"),
}
MATERIALS = ("办件材料", "Application materials")


def material_views(apps, schema_editor):
    MaterialView = apps.get_model("applications", "MaterialView")
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    DataAccess = apps.get_model("identity", "DataAccess")
    taken = set()
    rows = []
    views = MaterialView.objects.select_related("application", "officer").order_by("pk")
    for view in views.iterator():
        ref = view.application.ref
        near = LedgerEntry.objects.filter(
            event_type="data.access",
            subject_ref=ref,
            created__gte=view.at - timedelta(seconds=1),
            created__lte=view.at + timedelta(seconds=5),
        ).order_by("index")
        index = next((i for i in near.values_list("index", flat=True) if i not in taken), None)
        if index is not None:
            taken.add(index)
        what_zh, what_en = WHAT.get(view.purpose, MATERIALS)
        rows.append(
            DataAccess(
                kind="material_opened",
                subject_user_id=view.application.applicant_id,
                department_id=view.department_id,
                accessor=view.officer.username,
                what_zh=what_zh,
                what_en=what_en,
                purpose=view.purpose,
                case_ref=ref,
                created_at=view.at,
                ledger_index=index,
            )
        )
        if len(rows) >= BATCH:
            DataAccess.objects.bulk_create(rows)
            rows = []
    DataAccess.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_filing_in_the_ledger"),
        ("identity", "0006_data_access"),
        ("ledger", "0002_audit_runs"),
    ]

    operations = [
        migrations.RunPython(material_views, migrations.RunPython.noop),
        migrations.DeleteModel(name="MaterialView"),
    ]

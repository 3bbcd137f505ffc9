"""Officers' reads of reporters' contact details become data accesses (identity.DataAccess):
one per signed-in reporter of the case, or one without a subject when none has an account."""

from django.db import migrations

BATCH = 500


def contact_views(apps, schema_editor):
    ContactView = apps.get_model("grievances", "ContactView")
    Reporter = apps.get_model("grievances", "Reporter")
    DataAccess = apps.get_model("identity", "DataAccess")
    rows = []
    views = ContactView.objects.select_related("case", "officer").order_by("pk")
    for view in views.iterator():
        subjects = sorted(
            set(
                Reporter.objects.filter(
                    case_id=view.case_id, anonymous=False, user__isnull=False
                ).values_list("user_id", flat=True)
            )
        )
        for subject in subjects or [None]:
            rows.append(
                DataAccess(
                    kind="contact_read",
                    subject_user_id=subject,
                    department_id=view.department_id,
                    accessor=view.officer.username,
                    what_zh="您在热线工单中的姓名和电话",
                    what_en="Your name and phone number in a hotline case",
                    purpose=view.purpose,
                    case_ref=view.case.ref,
                    created_at=view.at,
                    ledger_index=view.ledger_index,
                )
            )
        if len(rows) >= BATCH:
            DataAccess.objects.bulk_create(rows)
            rows = []
    DataAccess.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0002_case_media_url_and_full_precision_coordinates"),
        ("identity", "0006_data_access"),
    ]

    operations = [
        migrations.RunPython(contact_views, migrations.RunPython.noop),
        migrations.DeleteModel(name="ContactView"),
    ]

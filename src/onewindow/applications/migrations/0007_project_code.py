"""Investment projects' codes (`Application.project_code`), and the field in every status
document already written (`"project_code": ""` after `filed_ledger_index`, as
`workflow/status.py` now builds it), so that old documents answer like new ones."""

import json

from django.db import migrations, models

BATCH = 500


def add_field_to_documents(apps, schema_editor):
    StatusDocument = apps.get_model("applications", "StatusDocument")
    last = 0
    while True:
        batch = list(StatusDocument.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        for document in batch:
            answer = json.loads(document.body)
            if "project_code" not in answer:
                rebuilt = {}
                for key, value in answer.items():
                    if key == "steps":
                        rebuilt["project_code"] = ""
                    rebuilt[key] = value
                document.body = json.dumps(rebuilt)
        StatusDocument.objects.bulk_update(batch, ["body"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_status_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="project_code",
            field=models.CharField(
                blank=True, default="", max_length=24, verbose_name="project code"
            ),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(("project_code", ""), _negated=True),
                fields=("project_code",),
                name="one_application_per_project_code",
            ),
        ),
        migrations.RunPython(add_field_to_documents, migrations.RunPython.noop, elidable=True),
    ]

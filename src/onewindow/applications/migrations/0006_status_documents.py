"""Status documents (`StatusDocument`): the answer of GET /api/v1/applications/{ref} kept
whole per application, then built for every application already filed.

The builder is a frozen copy of `workflow/status.py` as of this migration (migrations import
no app code): the same keys, order and formats, from the historical models, in batches."""

import json

import django.db.models.deletion
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

BATCH = 500
APPLICATION_COLUMNS = (
    "ref", "item_version__item__code", "item_version__number", "status", "channel",
    "division__code", "receiving_division__code", "business__credit_code", "form_data",
    "delivery", "submitted_at", "due_at", "finished_at", "days_promised", "days_taken",
    "visits_promised", "visits_made", "version", "filed_ledger_index",
    "applicant_id", "filed_by_id", "business_id", "pk",
)
STEP_COLUMNS = (
    "id", "key", "department__code", "role", "status", "due_at", "finished_at", "assignee_id",
    "escalation_level", "version",
)
TRANSITION_COLUMNS = (
    "action", "from_status", "to_status", "actor_role", "reason", "at", "ledger_index",
    "step__key",
)
FETCHED_COLUMNS = (
    "material_key", "service__code", "service__provider__code", "consumer__code", "status",
    "message__ledger_index", "data_encrypted", "service__response_fields",
)


def _grouped(queryset, columns):
    found = {}
    for values in queryset.values_list("application_id", *columns):
        found.setdefault(values[0], []).append(dict(zip(columns, values[1:])))
    return found


def _document(StatusDocument, row, steps, transitions, fetched):
    answer = {
        "ref": row["ref"],
        "service_code": row["item_version__item__code"],
        "service_version": row["item_version__number"],
        "status": row["status"],
        "channel": row["channel"],
        "division": row["division__code"],
        "receiving_division": row["receiving_division__code"],
        "business": row["business__credit_code"],
        "form": row["form_data"],
        **{name: row[name] for name in APPLICATION_COLUMNS[9:19]},
        "steps": [
            {
                "id": step["id"],
                "key": step["key"],
                "department": step["department__code"],
                "role": step["role"],
                "status": step["status"],
                "due_at": step["due_at"],
                "finished_at": step["finished_at"],
                "is_held": step["assignee_id"] is not None,
                "escalation_level": step["escalation_level"],
                "version": step["version"],
            }
            for step in steps
        ],
        "history": [
            {**{name: t[name] for name in TRANSITION_COLUMNS[:-1]}, "step": t["step__key"]}
            for t in transitions
        ],
        "fetched_materials": [],
    }
    sealed = []
    for index, material in enumerate(fetched):
        answer["fetched_materials"].append(
            {
                "material": material["material_key"],
                "data_service": material["service__code"],
                "provider": material["service__provider__code"],
                "consumer": material["consumer__code"],
                "status": material["status"],
                "data": {},
                "ledger_index": material["message__ledger_index"],
            }
        )
        if material["data_encrypted"]:
            fields = [
                [f["name"], f["label_zh"], f["label_en"]]
                for f in material["service__response_fields"]
            ]
            sealed.append([index, material["data_encrypted"], fields])
    return StatusDocument(
        application_id=row["pk"],
        ref=row["ref"],
        applicant_id=row["applicant_id"],
        filed_by_id=row["filed_by_id"],
        business_id=row["business_id"],
        body=json.dumps(answer, cls=DjangoJSONEncoder),
        fetched=json.dumps(sealed) if sealed else "",
    )


def build_documents(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Step = apps.get_model("applications", "Step")
    Transition = apps.get_model("applications", "Transition")
    FetchedMaterial = apps.get_model("applications", "FetchedMaterial")
    StatusDocument = apps.get_model("applications", "StatusDocument")
    pks = list(Application.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        batch = pks[start : start + BATCH]
        steps = _grouped(
            Step.objects.filter(application_id__in=batch).order_by("opened_at", "pk"), STEP_COLUMNS
        )
        transitions = _grouped(
            Transition.objects.filter(application_id__in=batch).order_by("at", "pk"),
            TRANSITION_COLUMNS,
        )
        fetched = _grouped(
            FetchedMaterial.objects.filter(application_id__in=batch).order_by("pk"),
            FETCHED_COLUMNS,
        )
        rows = Application.objects.filter(pk__in=batch).values_list(*APPLICATION_COLUMNS)
        StatusDocument.objects.bulk_create(
            [
                _document(
                    StatusDocument,
                    dict(zip(APPLICATION_COLUMNS, values)),
                    steps.get(values[-1], []),
                    transitions.get(values[-1], []),
                    fetched.get(values[-1], []),
                )
                for values in rows
            ]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0005_material_views_to_data_access'),
        ('identity', '0007_claim_releases_and_hall_lookups_to_data_access'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StatusDocument',
            fields=[
                ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='status_document', serialize=False, to='applications.application')),
                ('ref', models.CharField(max_length=24, unique=True)),
                ('body', models.TextField()),
                ('fetched', models.TextField(blank=True)),
                ('applicant', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('business', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='identity.business')),
                ('filed_by', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]

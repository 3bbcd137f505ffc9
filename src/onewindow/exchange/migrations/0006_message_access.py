"""Each exchange call about a known person or business that reached the data (a known asker,
not refused) gets its data access (identity.DataAccess), pointing at the call's own ledger
entry."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 500
STATUS = {
    "answered": ("已应答", "Answered"),
    "not_found": ("无记录", "No record"),
    "failed": ("失败", "Failed"),
}


def accesses(apps, schema_editor):
    ExchangeMessage = apps.get_model("exchange", "ExchangeMessage")
    DataAccess = apps.get_model("identity", "DataAccess")
    found = (
        ExchangeMessage.objects.filter(access__isnull=True)
        .filter(models.Q(consumer__isnull=False) | models.Q(peer__isnull=False))
        .filter(models.Q(subject_user__isnull=False) | models.Q(subject_business__isnull=False))
        .exclude(status="refused")
        .select_related("service__provider", "peer")
        .order_by("pk")
    )
    batch = []
    for message in found.iterator():
        batch.append(message)
        if len(batch) >= BATCH:
            _record(DataAccess, ExchangeMessage, batch)
            batch = []
    _record(DataAccess, ExchangeMessage, batch)


def _record(DataAccess, ExchangeMessage, messages):
    rows = []
    for message in messages:
        service = message.service
        status_zh, status_en = STATUS.get(message.status, (message.status, message.status))
        rows.append(
            DataAccess(
                kind="exchange_fetch",
                subject_user_id=message.subject_user_id,
                subject_business_id=message.subject_business_id,
                department_id=message.consumer_id,
                accessor=(
                    message.actor
                    if message.consumer_id is not None
                    else f"{message.remote_consumer} · {message.peer.name}"
                )[:150],
                what_zh=f"{service.name_zh}（{service.provider.name_zh}）· {status_zh}"[:200],
                what_en=f"{service.name_en} ({service.provider.name_en}) · {status_en}"[:200],
                purpose=message.purpose,
                case_ref=message.case_ref,
                legal_basis_zh=service.legal_basis_zh,
                legal_basis_en=service.legal_basis_en,
                created_at=message.created_at,
                disclose_after=message.disclose_after,
                is_reportable=message.consumer_id is not None,
                ledger_index=message.ledger_index,
            )
        )
    for message, access in zip(messages, DataAccess.objects.bulk_create(rows), strict=True):
        message.access_id = access.pk
    ExchangeMessage.objects.bulk_update(messages, ["access"])


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0005_grant_allows_secrecy"),
        ("identity", "0006_data_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="exchangemessage",
            name="access",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="exchange_message",
                to="identity.dataaccess",
            ),
        ),
        migrations.RunPython(accesses, migrations.RunPython.noop),
    ]

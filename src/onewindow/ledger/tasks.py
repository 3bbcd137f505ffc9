"""Background work of the ledger: the worker's tick runs `audit`, which runs when it is due."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from onewindow.ledger import audit as log_audit
from onewindow.ledger import services
from onewindow.ledger.models import AuditKind


@task()
def audit() -> dict[str, int | bool]:
    """Rebuild the log from its entries and check every stored hash and signature, once every
    `ONEWINDOW_AUDIT_SECONDS`; platform admins hear of any finding. A late, missed or doubled
    tick does no harm: the task finds from the last run whether it is due."""
    if not services.audit_is_due(AuditKind.LOG):
        return {"ran": False}
    started = timezone.now()
    report = services.record_log_audit(log_audit.audit(), started_at=started)
    return {"ran": True, "entries": report.entries, "findings": len(report.findings)}

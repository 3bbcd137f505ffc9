"""Background work of the ledger: the worker's tick runs `tick` every minute, and `audit`,
which runs when it is due."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from onewindow.ledger import audit as log_audit
from onewindow.ledger import services
from onewindow.ledger.models import AuditKind


@task()
def tick() -> dict[str, int]:
    """Integrate the pending entries into a new signed checkpoint. The ledger's own task, first
    in ONEWINDOW_PERIODIC_TASKS, so a failing tick of another app never stops the log."""
    checkpoint = services.integrate_pending()
    return {"ledger_size": checkpoint.size}


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

"""Background work of the applications app: the worker's tick runs `tick` every minute."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from onewindow.applications import audit as records_audit
from onewindow.applications import issuing, services
from onewindow.ledger import services as ledger
from onewindow.ledger.models import AuditKind


@task()
def tick() -> dict[str, int]:
    """Remind before deadlines, escalate what is overdue, try again the fetches whose provider
    was unavailable, and issue the credentials approvals should have produced and did not.
    Each part works out from the database what is due, so a late, missed or doubled tick does
    no harm. The ledger integrates in its own tick (ledger.tasks.tick)."""
    reminded = services.send_reminders()
    escalated = services.escalate_overdue()
    fetched = services.retry_fetches()
    issued = issuing.issue_missing()
    return {
        "reminded": reminded,
        "escalated": escalated,
        "fetched": fetched,
        "credentials_issued": issued,
    }


@task()
def audit() -> dict[str, int | bool]:
    """Audit filings, decisions and issued credentials against the ledger both ways, once
    every `ONEWINDOW_AUDIT_SECONDS`; platform admins hear of any finding. Finds from the last
    run whether it is due, so the minute tick may enqueue it every time."""
    if not ledger.audit_is_due(AuditKind.RECORDS):
        return {"ran": False}
    started = timezone.now()
    findings = records_audit.audit_records()
    records_audit.record_run(findings, started_at=started)
    return {"ran": True, "findings": len(findings)}

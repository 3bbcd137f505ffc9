"""`onewindow audit-decisions`: prove no filing, decision or issuance was changed quietly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from onewindow.applications import audit


class Command(BaseCommand):
    help = (
        "Check filings, decisions and issued credentials against the ledger both ways, and "
        "each application's state against its last entry; exit 1 naming the first mismatch."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = timezone.now()
        findings = audit.audit_records()
        audit.record_run(findings, started_at=started)
        for finding in findings:
            self.stderr.write(str(finding))
        if findings:
            raise CommandError(str(findings[0]))
        self.stdout.write(
            "Every filing, decision and issuance matches the ledger, and the ledger's "
            "entries of those kinds all have their rows."
        )

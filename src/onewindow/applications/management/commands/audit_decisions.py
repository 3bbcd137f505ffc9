"""`onewindow audit-decisions`: prove no recorded decision row was changed after the fact."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.applications.selectors import audit_decisions


class Command(BaseCommand):
    help = "Check every decision row against its ledger entry; exit 1 naming the first mismatch."

    def handle(self, *args: Any, **options: Any) -> None:
        finding = audit_decisions()
        if finding is not None:
            raise CommandError(
                f"ledger entry {finding.ledger_index} ({finding.ref}): {finding.reason}"
            )
        self.stdout.write("Every decision row matches its ledger entry.")

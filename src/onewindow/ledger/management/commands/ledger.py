"""`ledger integrate`, `ledger export-tiles DIR`, `ledger audit`, `ledger key`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.ledger import audit, keys, selectors, services, tiles


class Command(BaseCommand):
    help = "Operate the public ledger: integrate pending entries, export tiles, audit, show key."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        integrate = commands.add_parser("integrate", help="integrate pending entries")
        integrate.add_argument("--max-batch", type=int, default=services.DEFAULT_BATCH)
        integrate.add_argument(
            "--every", type=float, default=0.0, help="keep integrating every N seconds"
        )
        integrate.add_argument(
            "--cosign", action="store_true", help="ask LEDGER_WITNESSES to cosign each checkpoint"
        )
        export = commands.add_parser("export-tiles", help="write C2SP tlog-tiles to DIR")
        export.add_argument("directory", type=Path)
        commands.add_parser(
            "audit", help="rebuild the tree from the entries; check every hash and signature"
        )
        commands.add_parser("key", help="print the log's verifier key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "integrate":
            self._integrate(options["max_batch"], options["every"], cosign=options["cosign"])
        elif action == "export-tiles":
            self._export(options["directory"])
        elif action == "audit":
            self._audit()
        else:
            self.stdout.write(keys.verifier().encode())

    def _audit(self) -> None:
        """Print every finding; exit 1 naming the first. Records the run (see the ledger page)."""
        report = services.record_log_audit(audit.audit())
        for finding in report.findings:
            self.stderr.write(str(finding))
        for name in report.unreachable:
            self.stderr.write(f"witness {name} did not answer: its checkpoint was not compared")
        if report.first is not None:
            raise CommandError(str(report.first))
        self.stdout.write(
            f"intact: {report.entries} entries rebuild the tree of {report.tree_size}; "
            f"{report.checkpoints} checkpoints and {report.cosignatures} cosignatures verify; "
            f"{report.witnessed} witnesses' latest checkpoints match"
        )

    def _integrate(self, max_batch: int, every: float, *, cosign: bool) -> None:
        while True:
            checkpoint = services.integrate_pending(max_batch=max_batch)
            self.stdout.write(f"checkpoint {checkpoint.size}")
            if cosign:
                for outcome in services.request_cosignatures(checkpoint):
                    self.stdout.write(f"  {outcome.witness}: {outcome.status} {outcome.detail}")
            if every <= 0:
                return
            time.sleep(every)

    def _export(self, directory: Path) -> None:
        checkpoint = selectors.published_checkpoint()
        if checkpoint is None:
            raise CommandError("no checkpoint yet: run `ledger integrate` first")
        directory.mkdir(parents=True, exist_ok=True)
        written = tiles.export(directory, checkpoint)
        self.stdout.write(f"wrote {written} files for tree size {checkpoint.size} to {directory}")

"""`onewindow grievances retrain`: learn from the dispatchers' corrections;
`onewindow grievances issue-key NAME --division CODE`: a partner app's Open311 key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.grievances import classifier
from onewindow.grievances.models import DispatcherCorrection


class Command(BaseCommand):
    help = "Operate the citizen hotline: retrain the router, issue partner keys."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        retrain = commands.add_parser(
            "retrain", help="retrain the router with the dispatchers' corrections"
        )
        retrain.add_argument("--output-dir", default=None, help="where to write the model")
        issue = commands.add_parser("issue-key", help="issue an Open311 key to a partner app")
        issue.add_argument("name")
        issue.add_argument("--division", required=True, help="the partner's jurisdiction code")
        issue.add_argument("--admin", required=True, help="the issuing platform admin's account")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "retrain":
            self._retrain(options["output_dir"])
        else:
            self._issue(options["name"], options["division"], options["admin"])

    def _retrain(self, output_dir: str | None) -> None:
        corrections = list(DispatcherCorrection.objects.order_by("pk"))
        extra = [
            classifier.LabelledCase(
                text=c.text,
                department_kind=c.corrected_kind,
                category=c.corrected_category,
                language=c.language,
            )
            for c in corrections
        ]
        path = classifier.retrain(extra, output_dir=Path(output_dir) if output_dir else None)
        self.stdout.write(
            f"Retrained with {len(extra)} dispatcher correction(s): model written to {path}"
        )

    def _issue(self, name: str, division_code: str, admin_username: str) -> None:
        from onewindow.core.models import Division
        from onewindow.grievances.services import issue_api_key
        from onewindow.identity.models import User

        division = Division.objects.filter(code=division_code).first()
        admin = User.objects.filter(username=admin_username).first()
        if division is None or admin is None:
            raise CommandError("unknown division or admin account")
        client, key = issue_api_key(admin, name=name, division=division)
        self.stdout.write(
            f"Partner {client.name}: api_key={key} (shown once; only its hash is kept)"
        )

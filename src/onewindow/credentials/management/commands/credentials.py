"""`credentials anchor|trust-import|trust-list|rotate-seal`: mutual recognition and seals.

    onewindow credentials anchor            # this region's trust anchor thumbprint, to hand over
    onewindow credentials trust-import --url https://js.example/credentials/trust-list.jwt \\
        --thumbprint <the other region's anchor thumbprint, received out of band>
    onewindow credentials trust-list        # the regions whose credentials verify here
    onewindow credentials rotate-seal --department 330106-market_supervision
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.errors import DomainError
from onewindow.core.site import public_url
from onewindow.credentials import seals, services
from onewindow.credentials.models import TrustedRegion
from onewindow.identity.models import Department


class Command(BaseCommand):
    help = "Recognise other regions' licences (trust lists) and manage electronic seals."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("anchor", help="print this region's trust anchor thumbprint")
        imported = commands.add_parser("trust-import", help="recognise another region's issuers")
        imported.add_argument("--url", required=True, help="its signed trust list (.jwt)")
        imported.add_argument("--thumbprint", required=True, help="its anchor key's thumbprint")
        commands.add_parser("trust-list", help="list recognised regions")
        rotate = commands.add_parser("rotate-seal", help="retire a department's seal, make anew")
        rotate.add_argument("--department", required=True, help="the department's code")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "anchor":
                anchor = seals.seal_of(None)
                self.stdout.write(
                    f"{services.anchor_thumbprint(anchor.stored.public_jwk)} "
                    f"{public_url('/credentials/trust-list.jwt')}"
                )
            elif action == "trust-import":
                region = services.import_trust_list(
                    options["url"], thumbprint=options["thumbprint"]
                )
                issuers = len(region.document.get("issuers", []))
                self.stdout.write(f"recognised {region.code}: {issuers} issuers")
            elif action == "trust-list":
                for region in TrustedRegion.objects.all():
                    state = "active" if region.is_active else "suspended"
                    self.stdout.write(f"{region.code} {state} {region.url} {region.imported_at:%F}")
            elif action == "rotate-seal":
                department = Department.objects.filter(code=options["department"]).first()
                if department is None:
                    raise CommandError("No department has that code.")
                self.stdout.write(f"new seal {seals.rotate(department).kid}")
        except DomainError as error:
            raise CommandError(f"{error.field or action}: {error}") from error

"""`exchange-peer add|refresh|suspend|resume|list|grant|revoke`: federation with other regions.

    onewindow exchange-peer add --code 320000 --name Jiangsu --url https://jiangsu.example
    onewindow exchange-peer grant --code 320000 --consumer 320100-CA \\
        --service public_security.household_registration --purpose marriage_registration \\
        --fields name,household_division --days 90 --steward zhang.steward
"""

from __future__ import annotations

import getpass
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onewindow.core.errors import DomainError
from onewindow.exchange import federation, services
from onewindow.exchange.models import AccessGrant, DataService, PeerRegion, PeerStatus
from onewindow.identity.models import User


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no name for this system user
        return "cli"


class Command(BaseCommand):
    help = "Register peer regions (other OneWindow instances) and grant their departments access."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--by",
            default=_operator(),
            help="the administrator's name for the ledger (default: cli:<system user>)",
        )
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="register a peer region and fetch its keys")
        add.add_argument("--code", required=True, help="its division code, e.g. 320000")
        add.add_argument("--url", required=True, help="its base URL, e.g. https://js.example")
        add.add_argument("--name", default="", help="its name (default: the code)")
        for action in ("refresh", "suspend", "resume"):
            chosen = commands.add_parser(action, help=f"{action} a peer region")
            chosen.add_argument("--code", required=True)
        commands.add_parser("list", help="list peer regions and their keys")
        grant = commands.add_parser("grant", help="grant a peer region's department access")
        grant.add_argument("--code", required=True, help="the peer region's division code")
        grant.add_argument("--consumer", required=True, help="its department's code")
        grant.add_argument("--service", required=True, help="our data service's code")
        grant.add_argument("--purpose", required=True)
        grant.add_argument("--fields", required=True, help="comma-separated field names")
        grant.add_argument("--days", type=int, default=365)
        grant.add_argument("--steward", required=True, help="the provider's data steward")
        revoke = commands.add_parser("revoke", help="revoke a grant at once")
        revoke.add_argument("--grant", type=int, required=True, help="the grant's number")
        revoke.add_argument("--steward", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action, actor = options["action"], options["by"]
        try:
            if action == "add":
                peer = federation.register_peer(
                    code=options["code"], name=options["name"], base_url=options["url"], actor=actor
                )
                self.stdout.write(f"registered {peer.code} {peer.name}: {len(peer.keys)} keys")
            elif action == "refresh":
                peer = federation.refresh_peer_keys(self._peer(options["code"]), actor=actor)
                self.stdout.write(f"{peer.code}: {len(peer.keys)} keys")
            elif action in {"suspend", "resume"}:
                status = PeerStatus.SUSPENDED if action == "suspend" else PeerStatus.ACTIVE
                peer = federation.set_peer_status(self._peer(options["code"]), status, actor=actor)
                self.stdout.write(f"{peer.code}: {peer.status}")
            elif action == "list":
                for peer in PeerRegion.objects.all():
                    fetched = f"{peer.fetched_at:%Y-%m-%d %H:%M}" if peer.fetched_at else "never"
                    self.stdout.write(
                        f"{peer.code}\t{peer.status}\t{peer.base_url}\t{len(peer.keys)} keys"
                        f"\tfetched {fetched}\t{peer.name}"
                    )
            elif action == "grant":
                grant = federation.grant_remote_access(
                    self._user(options["steward"]),
                    self._service(options["service"]),
                    peer=self._peer(options["code"]),
                    consumer_code=options["consumer"],
                    purpose=options["purpose"],
                    fields=[name.strip() for name in options["fields"].split(",") if name.strip()],
                    expires_at=timezone.now() + timedelta(days=options["days"]),
                )
                self.stdout.write(f"grant {grant.pk}: {grant.consumer_code} {grant.fields}")
            else:
                found = AccessGrant.objects.filter(pk=options["grant"]).first()
                if found is None:
                    raise CommandError(f"no grant {options['grant']}")
                grant = services.revoke_grant(self._user(options["steward"]), found)
                self.stdout.write(f"grant {grant.pk}: {grant.status}")
        except DomainError as error:
            raise CommandError(str(error)) from None

    def _peer(self, code: str) -> PeerRegion:
        peer = PeerRegion.objects.filter(code=code).first()
        if peer is None:
            raise CommandError(f"no peer region {code}: add it first")
        return peer

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username}")
        return user

    def _service(self, code: str) -> DataService:
        service = DataService.objects.select_related("provider").filter(code=code).first()
        if service is None:
            raise CommandError(f"no data service {code}")
        return service

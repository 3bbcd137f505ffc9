"""notify listens to lower layers here, connected in NotifyConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from onewindow.identity.selectors import platform_admins
from onewindow.ledger.models import AuditKind
from onewindow.notify import services


def tell_platform_admins(sender: object, *, kind: AuditKind, findings: list[str], **_: Any) -> None:
    """`ledger.signals.audit_found_problems`: every platform admin gets an inbox message."""
    with transaction.atomic():
        for admin in platform_admins():
            services.send(
                admin,
                "integrity_audit_failed",
                context={"audit": kind.label, "count": len(findings), "first": findings[0]},
                subject_ref=f"audit:{kind.value}",
                link="/ledger/",
            )

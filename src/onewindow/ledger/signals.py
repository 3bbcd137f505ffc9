"""What the ledger announces to higher layers (listed in docs/ARCHITECTURE.md)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent on commit when an audit run found something its previous run did not, with `kind`
# (an AuditKind) and `findings` (their texts). notify tells the platform admins
# (notify/receivers.py).
audit_found_problems = Signal()

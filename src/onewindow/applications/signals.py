"""What the applications app announces to higher layers (listed in docs/ARCHITECTURE.md)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent on commit when an application is approved, with `application`. Later apps hang
# licence issuance and delivery on it, connected in their AppConfig.ready().
application_completed = Signal()

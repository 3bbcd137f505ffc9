"""What the catalogue announces to the apps above it (docs/ARCHITECTURE.md lists the signals)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent on commit when an item gets a new version replacing a previous one, with `item`,
# `previous` and `version` (ServiceItemVersion). Applications moves drafts to the new version
# and tells the people it concerns when the change matters to them (`history.matters`).
service_published = Signal()

"""What supervision announces to higher layers (listed in docs/ARCHITECTURE.md)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent on commit when an inspector records a finding, with plain values so a receiver needs
# no supervision model: `inspection_ref`, `finding_id`, `business_credit_code`,
# `business_name`, `division_code` (where the business is), `department_codes` (who
# inspected), `severity` ("minor" | "major" | "serious"), `description`, `recorded_at`.
# cityops turns findings into city events.
finding_recorded = Signal()

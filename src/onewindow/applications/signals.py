"""What the applications app announces to higher layers (listed in docs/ARCHITECTURE.md)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent on commit when an application is approved (workflow.engine.announce_completion), with
# `application` for this app's own receivers, and plain values for apps of the same layer,
# which import this module only (an import-linter exception) and never applications' models:
# `applicant` (identity.User), `subject_ref` (the application's ref), `item_version`
# (catalog.ServiceItemVersion) and `department` (identity.Department of the last approved
# step, or None). Connected in AppConfig.ready(): applications (issuing, credit repair),
# grievances (the review invitation).
application_completed = Signal()

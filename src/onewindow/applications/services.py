"""The applications use cases in one place for callers: views, APIs, tasks, the demo, tests.

The code lives by use case: `filing` (the applicant's side), `deciding` (the officers'
side), `deadlines` (the worker's reminders and escalation) and `fetching` (once-only
materials), all on the engine in `workflow`. This module only re-exports them.
"""

from __future__ import annotations

from onewindow.applications.deadlines import escalate_overdue, send_reminders
from onewindow.applications.deciding import (
    approve_step,
    assign_step,
    claim_step,
    forward_step,
    record_material_view,
    reject_step,
    request_supplements,
)
from onewindow.applications.fetching import retry_fetches
from onewindow.applications.filing import (
    add_upload,
    begin_hall_filing,
    check_submission,
    file_submission,
    provide_instead,
    provide_supplements,
    retry_fetch,
    save_draft,
    submit_application,
    withdraw_application,
)

__all__ = [
    "add_upload",
    "approve_step",
    "assign_step",
    "begin_hall_filing",
    "check_submission",
    "claim_step",
    "escalate_overdue",
    "file_submission",
    "forward_step",
    "provide_instead",
    "provide_supplements",
    "record_material_view",
    "reject_step",
    "request_supplements",
    "retry_fetch",
    "retry_fetches",
    "save_draft",
    "send_reminders",
    "submit_application",
    "withdraw_application",
]

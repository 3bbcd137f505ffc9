"""Credit repair applications act on the credit profiles in exchange (a lower layer):
the form's decision number is checked when filed, and an approved application ends the
penalty's publicity. Both are connected in ApplicationsConfig.ready()."""

from __future__ import annotations

import logging
from typing import Any

from onewindow.applications.models import Application
from onewindow.catalog.form_schema import Filer
from onewindow.core.errors import DomainError
from onewindow.exchange.credit import services as credit

logger = logging.getLogger(__name__)

CHECK_NAME = "credit.repairable_penalty"


def check_repairable_penalty(value: Any, filer: Filer | None = None) -> str | None:
    """The `x-check` of the repair form's decision number: refused unless a publicised
    penalty has it and its minimum publicity period has passed."""
    try:
        credit.repairable_penalty(str(value))
    except DomainError as refused:
        return str(refused)
    return None


def end_publicity_on_completion(sender: Any, *, application: Application, **kwargs: Any) -> None:
    """`application_completed` handler: an approved repair ends the penalty's publicity.
    Runs after the approval committed, so a refusal here (the penalty is another business's,
    or was repaired meanwhile) is logged for the credit office, not raised at the approver."""
    if application.item_version.item.code != credit.REPAIR_SERVICE_ITEM:
        return
    try:
        credit.end_penalty_publicity(
            str(application.form_data.get(credit.REPAIR_FIELD, "")),
            business=application.business,
            application_ref=application.ref,
        )
    except DomainError as refused:
        logger.warning("credit repair %s not applied: %s", application.ref, refused)

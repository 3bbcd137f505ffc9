"""Which department handles a step, and whether a service may be filed where it is filed.

The generic part (the competent department of a kind for a division, the supervising one a
level up) lives in `identity.selectors`, shared with grievances, and the county of a division
in `core.selectors`; they are re-exported here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.selectors import county_of
from onewindow.identity.selectors import competent_department, supervising_department

__all__ = [
    "check_may_file_here",
    "competent_department",
    "county_of",
    "supervising_department",
]


def check_may_file_here(*, home: Division, receiving: Division, is_apply_anywhere: bool) -> None:
    """A service not marked "apply anywhere" is filed within the applicant's own county."""
    if is_apply_anywhere or receiving.is_within(county_of(home)):
        return
    raise DomainError(
        _(
            "This service can only be filed in the applicant's own county or district; "
            "services marked “apply anywhere” can be filed at any hall."
        ),
        code="not_apply_anywhere",
    )

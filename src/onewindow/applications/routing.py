"""Which department handles a step, and whether a service may be filed where it is filed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity.models import Department


def _lineage(division: Division) -> list[str]:
    return [*division.ancestor_codes(), division.code]


def competent_department(division: Division, *, kind: str, level: int) -> Department:
    """The department of `kind` responsible for `division` at `level`: the one at the
    applicant's ancestor of that level, or, where that division has none, the nearest above.
    Raises DomainError when no department of the kind covers the division at all."""
    department = (
        Department.objects.filter(
            kind=kind, division__code__in=_lineage(division), division__level__lte=level
        )
        .select_related("division")
        .order_by("-division__level")
        .first()
    )
    if department is None:
        raise DomainError(
            _("No department handles this service for %(division)s yet."),
            code="no_competent_department",
            params={"division": division.name},
        )
    return department


def supervising_department(department: Department) -> Department | None:
    """The department of the same kind one level up: where an overdue step escalates."""
    return (
        Department.objects.filter(
            kind=department.kind,
            division__code__in=department.division.ancestor_codes(),
        )
        .select_related("division")
        .order_by("-division__level")
        .first()
    )


def county_of(division: Division) -> Division:
    """The county (or district) a division belongs to, or the division itself above it."""
    if division.level <= Level.COUNTY:
        return division
    codes = division.ancestor_codes()
    return Division.objects.filter(code__in=codes, level=Level.COUNTY).first() or division


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

"""Reference data routing reads for every case, cached per process: which department of a
kind answers for a place.

Departments and divisions change seldom (an administrator's edit, a reorganisation) and are
read for every case, by intake and by every transfer. The answer of
`identity.selectors.competent_department` for a (kind, place) pair is kept here, found or
not. It is forgotten:
- in this process, at once, when any department or division is saved or deleted (receivers
  connected in `GrievancesConfig.ready`: they also see admin edits and fixtures);
- in every other process within `REFERENCE_SECONDS`, as the router's model is
  (`classifier.RELOAD_SECONDS`): a new department starts taking cases within that time, and
  until then the one above it answers, as it did before.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity.models import Department
from onewindow.identity.selectors import competent_department

REFERENCE_SECONDS = 30.0


class _DepartmentTable:
    """(department kind, division path) -> the competent department, or None."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[tuple[str, str], Department | None] = {}
        self._since = time.monotonic()

    def forget(self) -> None:
        with self._lock:
            self._found = {}
            self._since = time.monotonic()

    def department_for(self, kind: str, division: Division) -> Department | None:
        if time.monotonic() - self._since >= REFERENCE_SECONDS:
            self.forget()
        found = self._found  # a forget() meanwhile swaps the dict: this lookup stays whole
        # The path holds the whole lineage the lookup depends on: a moved division is a new key.
        key = (kind, division.path)
        try:
            return found[key]
        except KeyError:
            pass
        try:
            department: Department | None = competent_department(
                division, kind=kind, level=Level.VILLAGE
            )
        except DomainError:
            department = None
        found[key] = department
        return department


_departments = _DepartmentTable()


def department_for(kind: str, division: Division) -> Department | None:
    """The department of `kind` closest to `division`: at it or the nearest level above
    (identity.selectors.competent_department, shared with applications); None where no
    department of the kind covers it. Cached per process (see the module's docstring)."""
    return _departments.department_for(kind, division)


def forget_departments(**_signal: Any) -> None:
    """Drop every cached answer: a department or division changed (a signal receiver)."""
    _departments.forget()

"""Service levels of the hotline: when a case must be accepted, first answered and resolved.

Urgent cases are counted in hours; the rest in working days on the official calendar
(`core.calendar.add_working_days`: the end of the Nth working day in Asia/Shanghai).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from onewindow.core import calendar
from onewindow.grievances.models import CaseKind, Urgency


@dataclass(frozen=True)
class Level:
    """respond: accept the case; reply: first word to the reporter; resolve: the answer.
    Urgent levels are in hours, ordinary ones in working days."""

    respond: int
    reply: int
    resolve: int
    in_hours: bool = False


URGENT = Level(respond=2, reply=24, resolve=72, in_hours=True)
ORDINARY: dict[str, Level] = {
    CaseKind.COMPLAINT: Level(respond=1, reply=3, resolve=15),
    CaseKind.HELP: Level(respond=1, reply=3, resolve=15),
    CaseKind.CONSULTATION: Level(respond=1, reply=1, resolve=3),
    CaseKind.SUGGESTION: Level(respond=1, reply=5, resolve=20),
    CaseKind.PRAISE: Level(respond=1, reply=5, resolve=5),
}
# After a reopen the department gets a fresh, shorter time to answer again.
REOPEN_RESOLVE_WORKING_DAYS = 5
# A bad review of an application must be rectified within this many working days.
RECTIFICATION_WORKING_DAYS = 10
# A mediation agreement is followed up by a visit within this many working days.
FOLLOW_UP_WORKING_DAYS = 20


def level_for(kind: str, urgency: str) -> Level:
    return URGENT if urgency == Urgency.URGENT else ORDINARY[kind]


def _after(start: datetime, amount: int, *, in_hours: bool) -> datetime:
    if in_hours:
        return start + timedelta(hours=amount)
    return _working_days_after(start.astimezone(calendar.SHANGHAI).date(), amount)


# A working-day deadline depends only on the local date it counts from, and the calendar is
# loaded once per process: every case of a day shares the answer (intake asks three times).
@lru_cache(maxsize=256)
def _working_days_after(day: date, amount: int) -> datetime:
    start = datetime.combine(day, datetime.min.time(), tzinfo=calendar.SHANGHAI)
    return calendar.add_working_days(start, amount)


def deadlines(kind: str, urgency: str, start: datetime) -> tuple[datetime, datetime, datetime]:
    """(respond, reply, resolve) deadlines of a case received at `start`."""
    level = level_for(kind, urgency)
    return (
        _after(start, level.respond, in_hours=level.in_hours),
        _after(start, level.reply, in_hours=level.in_hours),
        _after(start, level.resolve, in_hours=level.in_hours),
    )


def reopened_resolve_due(urgency: str, start: datetime) -> datetime:
    if urgency == Urgency.URGENT:
        return start + timedelta(hours=URGENT.resolve)
    return calendar.add_working_days(start, REOPEN_RESOLVE_WORKING_DAYS)

"""The official working-day calendar: public holidays and adjusted working days (调休).

Each year's arrangement is published by the State Council General Office about two months
ahead and kept here as data in `holidays/<year>.json`. For a later year with no file yet,
the calendar is built from the statutory holidays of the 全国年节及纪念日放假办法 (as revised
in November 2024) and marked provisional: it has no bridging days and no adjusted working
days, so its deadlines can move when the real notice is loaded.

Deadlines are counted in Asia/Shanghai: a deadline of N working days after an instant is the
last moment (23:59:59.999999) of the Nth working day after that instant's local date.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, NotRequired, TypedDict
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Provisional years: dates of the lunar calendar and the Qingming solar term (Beijing time)
# for years whose arrangement is not published yet. Checked against lunar-python 1.4
# (which computes the solar terms) and the lunardate tables.
LUNAR_NEW_YEAR = {
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
QINGMING = {
    2027: date(2027, 4, 5),
    2028: date(2028, 4, 4),
    2029: date(2029, 4, 4),
    2030: date(2030, 4, 5),
    2031: date(2031, 4, 5),
    2032: date(2032, 4, 4),
    2033: date(2033, 4, 4),
    2034: date(2034, 4, 5),
    2035: date(2035, 4, 5),
}
DRAGON_BOAT = {  # fifth day of the fifth lunar month
    2027: date(2027, 6, 9),
    2028: date(2028, 5, 28),
    2029: date(2029, 6, 16),
    2030: date(2030, 6, 5),
    2031: date(2031, 6, 24),
    2032: date(2032, 6, 12),
    2033: date(2033, 6, 1),
    2034: date(2034, 6, 20),
    2035: date(2035, 6, 10),
}
MID_AUTUMN = {  # fifteenth day of the eighth lunar month
    2027: date(2027, 9, 15),
    2028: date(2028, 10, 3),
    2029: date(2029, 9, 22),
    2030: date(2030, 9, 12),
    2031: date(2031, 10, 1),
    2032: date(2032, 9, 19),
    2033: date(2033, 9, 8),
    2034: date(2034, 9, 27),
    2035: date(2035, 9, 16),
}

PROVISIONAL_SOURCE_TITLE = (
    "全国年节及纪念日放假办法 (revised November 2024): statutory holidays only; "
    "the State Council arrangement for this year is not loaded"
)


class CalendarYearUnavailable(ValueError):
    """Neither an official arrangement nor the data for a provisional one covers the year."""


class Source(TypedDict):
    title: str
    number: str
    published: str
    url: str
    note: NotRequired[str]


class Holiday(TypedDict):
    name_zh: str
    name_en: str
    dates: list[date]


class AdjustedWorkingDay(TypedDict):
    date: date
    reason_en: str
    reason_zh: str


class YearInfo(TypedDict):
    year: int
    source: Source
    provisional: bool
    holidays: list[Holiday]
    adjusted_working_days: list[AdjustedWorkingDay]


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: Source
    is_provisional: bool
    holidays: tuple[Holiday, ...]
    adjusted_working_days: tuple[AdjustedWorkingDay, ...]
    days_off: frozenset[date]
    working_weekend_days: frozenset[date]

    @classmethod
    def build(
        cls,
        *,
        year: int,
        source: Source,
        is_provisional: bool,
        holidays: list[Holiday],
        adjusted_working_days: list[AdjustedWorkingDay],
    ) -> CalendarYear:
        """Check the arrangement's invariants and index it. Raises ValueError."""
        days_off = frozenset(d for holiday in holidays for d in holiday["dates"])
        working = frozenset(day["date"] for day in adjusted_working_days)
        if any(d.year != year for d in days_off | working):
            raise ValueError(f"the {year} calendar lists a date of another year")
        if days_off & working:
            raise ValueError(f"the {year} calendar lists a date as both holiday and working day")
        if any(d.weekday() < 5 for d in working):
            raise ValueError(f"the {year} calendar lists a weekday as an adjusted working day")
        return cls(
            year=year,
            source=source,
            is_provisional=is_provisional,
            holidays=tuple(holidays),
            adjusted_working_days=tuple(adjusted_working_days),
            days_off=days_off,
            working_weekend_days=working,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        return day.weekday() < 5 or day in self.working_weekend_days


def _parse_year(raw: dict[str, Any], *, expected_year: int) -> CalendarYear:
    if raw["year"] != expected_year:
        raise ValueError(f"holidays/{expected_year}.json says it is for {raw['year']}")
    raw_source = raw["source"]
    source = Source(
        title=raw_source["title"],
        number=raw_source["number"],
        published=raw_source["published"],
        url=raw_source["url"],
    )
    if "note" in raw_source:
        source["note"] = raw_source["note"]
    return CalendarYear.build(
        year=expected_year,
        source=source,
        is_provisional=bool(raw["provisional"]),
        holidays=[
            Holiday(
                name_zh=holiday["name_zh"],
                name_en=holiday["name_en"],
                dates=[date.fromisoformat(d) for d in holiday["dates"]],
            )
            for holiday in raw["holidays"]
        ],
        adjusted_working_days=[
            AdjustedWorkingDay(
                date=date.fromisoformat(day["date"]),
                reason_en=day["reason_en"],
                reason_zh=day["reason_zh"],
            )
            for day in raw["adjusted_working_days"]
        ],
    )


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


def provisional_year(year: int) -> CalendarYear:
    """The statutory holidays of `year` (11 days since 2025), without the State Council's
    bridging days or adjusted working days. Raises CalendarYearUnavailable."""
    if year not in LUNAR_NEW_YEAR:
        raise CalendarYearUnavailable(f"no working-day calendar for {year}")
    lunar_new_year = LUNAR_NEW_YEAR[year]
    holidays = [
        Holiday(name_zh="元旦", name_en="New Year's Day", dates=[date(year, 1, 1)]),
        # Lunar New Year's Eve to the third day of the first month.
        Holiday(
            name_zh="春节",
            name_en="Spring Festival",
            dates=_days(lunar_new_year - timedelta(days=1), 4),
        ),
        Holiday(name_zh="清明节", name_en="Qingming Festival", dates=[QINGMING[year]]),
        Holiday(name_zh="劳动节", name_en="Labour Day", dates=_days(date(year, 5, 1), 2)),
        Holiday(name_zh="端午节", name_en="Dragon Boat Festival", dates=[DRAGON_BOAT[year]]),
        Holiday(name_zh="中秋节", name_en="Mid-Autumn Festival", dates=[MID_AUTUMN[year]]),
        Holiday(name_zh="国庆节", name_en="National Day", dates=_days(date(year, 10, 1), 3)),
    ]
    return CalendarYear.build(
        year=year,
        source=Source(title=PROVISIONAL_SOURCE_TITLE, number="", published="", url=""),
        is_provisional=True,
        holidays=holidays,
        adjusted_working_days=[],
    )


def _default_data() -> Traversable:
    return resources.files("onewindow.core").joinpath("holidays")


class WorkingDayCalendar:
    """Working days from the published arrangements in `data` (a folder of <year>.json),
    falling back to provisional years. Each year is loaded once, on first use."""

    def __init__(self, data: Traversable | None = None) -> None:
        self._data = data if data is not None else _default_data()
        self._years: dict[int, CalendarYear] = {}
        self._lock = threading.Lock()

    def year(self, year: int) -> CalendarYear:
        """The arrangement of `year`. Raises CalendarYearUnavailable."""
        found = self._years.get(year)
        if found is not None:
            return found
        with self._lock:
            if year not in self._years:
                self._years[year] = self._load(year)
            return self._years[year]

    def _load(self, year: int) -> CalendarYear:
        file = self._data.joinpath(f"{year}.json")
        if file.is_file():
            return _parse_year(json.loads(file.read_text(encoding="utf-8")), expected_year=year)
        return provisional_year(year)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday unless a holiday; Saturday or Sunday if an adjusted working day."""
        return self.year(day.year).is_working_day(day)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline N working days after `start`, as an aware UTC datetime: the end of the
        Nth working day after start's local date; for n=0 the end of start's local date if it
        is a working day, else of the next working day. Raises ValueError (naive start, n<0)
        and CalendarYearUnavailable."""
        if n < 0:
            raise ValueError("a deadline needs a non-negative number of working days")
        day = _local_date(start)
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day, time.max, tzinfo=SHANGHAI).astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """How many working days d have start's local date < d <= end's local date
        (0 when end is not after start). Raises ValueError for naive datetimes."""
        first, last = _local_date(start), _local_date(end)
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def year_info(self, year: int) -> YearInfo:
        """What the calendar of `year` rests on: its source, whether it is provisional, and
        its holidays and adjusted working days. Raises CalendarYearUnavailable."""
        found = self.year(year)
        return YearInfo(
            year=found.year,
            source=found.source,
            provisional=found.is_provisional,
            holidays=list(found.holidays),
            adjusted_working_days=list(found.adjusted_working_days),
        )


def _local_date(instant: datetime) -> date:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("working-day arithmetic needs an aware datetime")
    return instant.astimezone(SHANGHAI).date()


@cache
def default_calendar() -> WorkingDayCalendar:
    """The calendar of the packaged holiday files, shared by the whole process."""
    return WorkingDayCalendar()


def is_working_day(day: date) -> bool:
    return default_calendar().is_working_day(day)


def add_working_days(start: datetime, n: int) -> datetime:
    return default_calendar().add_working_days(start, n)


def working_days_between(start: datetime, end: datetime) -> int:
    return default_calendar().working_days_between(start, end)


def year_info(year: int) -> YearInfo:
    return default_calendar().year_info(year)

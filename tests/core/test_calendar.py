from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from onewindow.core import calendar

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)


def test_2025_spring_festival_and_its_working_sunday() -> None:
    assert calendar.is_working_day(date(2025, 1, 26))  # a Sunday worked
    for offset in range(8):
        assert not calendar.is_working_day(date(2025, 1, 28) + timedelta(days=offset))
    assert calendar.is_working_day(date(2025, 2, 5))


def test_2025_national_day_week() -> None:
    assert calendar.is_working_day(date(2025, 9, 28))
    assert calendar.is_working_day(date(2025, 10, 11))
    assert not any(calendar.is_working_day(date(2025, 10, d)) for d in range(1, 9))


def test_2026_from_the_notice() -> None:
    assert not calendar.is_working_day(date(2026, 2, 16))
    assert calendar.is_working_day(date(2026, 2, 14))  # a Saturday worked
    assert not calendar.is_working_day(date(2026, 10, 7))
    assert calendar.year_info(2026)["provisional"] is False


def test_a_year_without_a_notice_is_provisional() -> None:
    info = calendar.year_info(2027)

    assert info["provisional"] is True
    assert not calendar.is_working_day(date(2027, 10, 1))


@given(instants, st.integers(0, 40))
def test_deadline_is_a_working_day_exactly_n_working_days_later(start: datetime, n: int) -> None:
    deadline = calendar.add_working_days(start, n)
    local = (
        deadline.astimezone(calendar.SHANGHAI).date()
        if hasattr(calendar, "SHANGHAI")
        else deadline.date()
    )

    assert calendar.is_working_day(local)
    assert calendar.working_days_between(start, deadline) == n or (
        n == 0 and calendar.working_days_between(start, deadline) <= 1
    )


@given(instants, st.integers(0, 30), st.integers(0, 30))
def test_deadlines_grow_with_n(start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))

    assert calendar.add_working_days(start, low) <= calendar.add_working_days(start, high)


@given(instants, st.integers(1, 30))
def test_working_days_between_adds_up(start: datetime, n: int) -> None:
    middle = calendar.add_working_days(start, n)
    end = calendar.add_working_days(middle, n)

    assert calendar.working_days_between(start, end) == calendar.working_days_between(
        start, middle
    ) + calendar.working_days_between(middle, end)


def test_every_listed_holiday_is_off_and_every_adjusted_day_worked() -> None:
    for year in (2025, 2026):
        info = calendar.year_info(year)
        for holiday in info["holidays"]:
            for day in holiday["dates"]:
                assert not calendar.is_working_day(date.fromisoformat(str(day)))
        for adjusted in info["adjusted_working_days"]:
            assert calendar.is_working_day(date.fromisoformat(str(adjusted["date"])))

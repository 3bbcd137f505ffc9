"""How long a credential is valid: whole calendar years (a social security card), hours (a
health code), or both; the arithmetic as properties, and an hours-long credential issued
and verified as a checkpoint would, before and after its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.models import Division
from onewindow.credentials import services
from onewindow.credentials.kinds import KINDS, Validity
from onewindow.credentials.verify import Reason, verify
from onewindow.identity.models import Department, DepartmentKind
from tests.identity.factories import citizen

starts = st.datetimes(
    min_value=datetime(1950, 1, 1), max_value=datetime(2150, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3660))
years = st.integers(min_value=0, max_value=50)


@given(start=starts, years=years, duration=durations)
def test_a_validity_ends_after_it_starts_and_adds_its_parts(
    start: datetime, years: int, duration: timedelta
) -> None:
    if not years and not duration:
        return
    validity = Validity(years=years, duration=duration)
    end = validity.until(start)
    assert end > start
    # The calendar years first, then the fixed duration.
    if years:
        assert end - duration == Validity(years=years).until(start)


@given(start=starts, duration=durations.filter(bool))
def test_a_duration_is_exact_to_the_second(start: datetime, duration: timedelta) -> None:
    assert Validity(duration=duration).until(start) - start == duration


@given(start=starts, years=years.filter(bool))
def test_whole_years_end_on_the_same_day_and_time(start: datetime, years: int) -> None:
    end = Validity(years=years).until(start)
    assert end.year == start.year + years
    assert (end.month, end.time(), end.tzinfo) == (start.month, start.time(), start.tzinfo)
    leap_day_lost = (start.month, start.day) == (2, 29) and end.day == 28
    assert end.day == start.day or leap_day_lost


@given(first=starts, second=starts, years=years, duration=durations)
def test_a_later_start_never_ends_earlier(
    first: datetime, second: datetime, years: int, duration: timedelta
) -> None:
    if not years and not duration:
        return
    validity = Validity(years=years, duration=duration)
    early, late = sorted((first, second))
    assert validity.until(early) <= validity.until(late)


def test_a_validity_of_nothing_or_less_is_refused() -> None:
    for years, duration in ((0, timedelta(0)), (-1, timedelta(0)), (0, timedelta(hours=-1))):
        with pytest.raises(ValueError, match="validity"):
            Validity(years=years, duration=duration)


def test_existing_kinds_keep_their_years_and_a_health_code_lasts_a_day() -> None:
    assert KINDS["social_security_card"].valid_for == Validity.of(years=10)
    assert KINDS["residence_permit"].valid_for == Validity.of(years=1)
    assert KINDS["marriage_certificate"].valid_for is None  # until revoked
    assert KINDS["health_code"].valid_for == Validity.of(hours=24)


@pytest.mark.django_db
def test_a_health_code_verifies_for_its_hours_then_is_expired(
    divisions: dict[str, Division],
) -> None:
    health = Department.objects.create(
        code="330100-health",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )
    resident = citizen(divisions["community"])
    code = services.issue_credential(
        kind="health_code",
        issuer=health,
        holder=resident,
        case_ref="health-code-test-1",
        subject={"colour": "green", "holderNameMasked": "王**", "idNumberLast4": "1234"},
    )
    assert code.valid_until is not None
    assert code.valid_until - code.valid_from == timedelta(hours=24)
    assert code.title == "王**"
    trust = services.trust()
    almost = code.valid_until - timedelta(seconds=1)
    for text in (services.qr_of(code), services.sd_jwt_of(code)):
        assert verify(text, trust, now=almost).reason is Reason.VALID
        assert verify(text, trust, now=code.valid_until).reason is Reason.EXPIRED
    verdict = verify(services.qr_of(code), trust, now=almost)
    assert verdict.subject == {
        "colour": "green",
        "holderNameMasked": "王**",
        "idNumberLast4": "1234",
    }
    assert verdict.valid_until == code.valid_until

"""Pure money and business-time helpers: instants in UTC, dated rates, conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from service.domain.money import ExchangeRates, floor_minor, in_utc, raise_by_pct, utc_day

PLUS_TWO = timezone(timedelta(hours=2))


def test_in_utc_keeps_the_instant_and_gives_the_utc_tzinfo() -> None:
    local = datetime(2026, 3, 2, 1, 30, tzinfo=PLUS_TWO)
    moved = in_utc(local)
    assert moved == local
    assert moved.tzinfo is UTC
    assert moved.date() == datetime(2026, 3, 1).date()  # the UTC business day


def test_in_utc_returns_a_utc_instant_itself() -> None:
    instant = datetime(2026, 3, 2, tzinfo=UTC)
    assert in_utc(instant) is instant


def test_utc_day_is_the_calendar_day_in_utc_whatever_the_offset() -> None:
    minus_five = timezone(timedelta(hours=-5))
    cases = [
        datetime(2026, 3, 1, 23, 30, tzinfo=minus_five),  # 04:30 UTC on the 2nd
        datetime(2026, 3, 2, 1, 30, tzinfo=PLUS_TWO),  # 23:30 UTC on the 1st
        datetime(2026, 3, 2, 12, tzinfo=timezone(timedelta(0))),
        datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 22, tzinfo=timezone(timedelta(hours=-3))),  # next year in UTC
    ]
    for instant in cases:
        assert utc_day(instant) == instant.astimezone(UTC).date()


def test_a_rate_valid_from_an_offset_instant_starts_at_that_instant() -> None:
    rates = ExchangeRates()
    set_at = datetime(2026, 3, 1, tzinfo=UTC)
    rates.set_rate("USD", "EUR", Decimal("0.5"), datetime(2026, 3, 2, 2, tzinfo=PLUS_TWO), set_at)
    assert rates.rate("USD", "EUR", datetime(2026, 3, 1, 23, 59, tzinfo=UTC)) is None
    assert rates.rate("USD", "EUR", datetime(2026, 3, 2, tzinfo=UTC)) == Decimal("0.5")
    assert rates.rate("EUR", "USD", datetime(2026, 3, 2, 1, tzinfo=PLUS_TWO)) is None
    assert rates.rate("EUR", "USD", datetime(2026, 3, 2, 2, tzinfo=PLUS_TWO)) == 2


def test_the_same_valid_from_in_another_offset_replaces_the_rate() -> None:
    rates = ExchangeRates()
    set_at = datetime(2026, 3, 1, tzinfo=UTC)
    rates.set_rate("USD", "EUR", Decimal("0.5"), datetime(2026, 3, 2, tzinfo=UTC), set_at)
    later = set_at + timedelta(hours=1)
    applied = rates.set_rate(
        "USD", "EUR", Decimal("0.6"), datetime(2026, 3, 2, 2, tzinfo=PLUS_TWO), later
    )
    assert applied
    assert rates.snapshot() == [("USD", "EUR", "2026-03-02T00:00:00+00:00", "0.6")]


def test_conversion_shifts_between_currencies_of_different_exponents() -> None:
    rates = ExchangeRates()
    set_at = valid = datetime(2026, 3, 1, tzinfo=UTC)
    rates.set_rate("EUR", "JPY", Decimal("160.5"), valid, set_at)
    rates.set_rate("EUR", "BHD", Decimal("0.41"), valid, set_at)
    at = datetime(2026, 3, 3, tzinfo=UTC)
    assert rates.convert(1001, "EUR", "JPY", at) == 1607  # 10.01 EUR = 1606.605 JPY, half even
    assert rates.convert(1607, "JPY", "EUR", at) == 1001  # 1607 / 160.5 = 10.0124... EUR
    assert rates.convert(1001, "EUR", "BHD", at) == 4104  # 4.1041 BHD
    assert rates.convert(5, "EUR", "EUR", at) == 5


def test_a_reused_factor_ends_where_either_direction_changes_rate() -> None:
    rates = ExchangeRates()
    set_at = datetime(2026, 3, 1, tzinfo=UTC)
    rates.set_rate("USD", "EUR", Decimal("0.5"), datetime(2026, 3, 1, tzinfo=UTC), set_at)
    rates.set_rate("EUR", "USD", Decimal("4"), datetime(2026, 3, 5, tzinfo=UTC), set_at)
    rates.set_rate("USD", "EUR", Decimal("0.25"), datetime(2026, 3, 10, tzinfo=UTC), set_at)
    day = {d: datetime(2026, 3, d, tzinfo=UTC) for d in range(1, 32)}
    assert rates.convert(100, "USD", "EUR", day[2]) == 50
    assert rates.convert(100, "USD", "EUR", day[9]) == 50  # the direct rate still holds
    assert rates.convert(100, "EUR", "USD", day[4]) == 200  # the inverse of the direct rate
    assert rates.convert(100, "EUR", "USD", day[5]) == 400  # its own rate from the 5th on
    assert rates.convert(100, "USD", "EUR", day[10]) == 25
    assert rates.convert(100, "USD", "EUR", day[2]) == 50  # back in time: the older rate
    assert rates.convert(100, "EUR", "USD", day[1] - timedelta(microseconds=1)) is None


def test_a_new_rate_replaces_a_factor_already_in_use() -> None:
    rates = ExchangeRates()
    set_at = datetime(2026, 3, 1, tzinfo=UTC)
    at = datetime(2026, 3, 3, tzinfo=UTC)
    assert rates.convert(100, "USD", "EUR", at) is None
    rates.set_rate("EUR", "USD", Decimal("3"), datetime(2026, 3, 1, tzinfo=UTC), set_at)
    assert rates.convert(100, "USD", "EUR", at) == 33  # 100 / 3, half even
    rates.set_rate("USD", "EUR", Decimal("0.5"), datetime(2026, 3, 2, tzinfo=UTC), set_at)
    assert rates.convert(100, "USD", "EUR", at) == 50  # the direct pair wins
    later = set_at + timedelta(days=1)
    rates.set_rate("USD", "EUR", Decimal("0.75"), datetime(2026, 3, 2, tzinfo=UTC), later)
    assert rates.convert(100, "USD", "EUR", at) == 75


def test_conversion_rounds_half_to_even() -> None:
    rates = ExchangeRates()
    valid = datetime(2026, 3, 1, tzinfo=UTC)
    rates.set_rate("EUR", "JPY", Decimal("0.5"), valid, valid)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    assert [rates.convert(m, "EUR", "JPY", at) for m in (100, 300, 500, -300)] == [0, 2, 2, -2]


@given(
    st.one_of(st.integers(-(10**12), 10**12), st.integers(10**25, 10**30)),
    st.one_of(
        st.none(),
        st.sampled_from([Decimal("5"), Decimal("5.0"), Decimal("7.5"), Decimal("0.001")]),
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
        st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False),
    ),
)
def test_a_raised_limit_is_the_decimal_floor_of_limit_times_the_tolerance(
    limit: int, pct: Decimal | None
) -> None:
    expected = limit if not pct else floor_minor(Decimal(limit) * (1 + pct / 100))
    assert raise_by_pct(limit, pct) == expected

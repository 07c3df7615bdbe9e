"""The hold-period test by cutoff agrees with the aging periods it stands for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.domain.policy import aging_period

ASCENDING_BOUNDS = st.lists(st.integers(0, 400), min_size=4, max_size=4, unique=True).map(
    lambda days: (sorted(days)[0], sorted(days)[1], sorted(days)[2], sorted(days)[3])
)


@given(ASCENDING_BOUNDS, st.integers(-50, 500), st.integers(1, 5))
def test_aged_in_a_period_or_later_is_past_the_bound_before_it(
    bounds: tuple[int, int, int, int], days_past_due: int, period: int
) -> None:
    later = aging_period(days_past_due, bounds) >= period
    assert later == (period == 1 or days_past_due > bounds[period - 2])

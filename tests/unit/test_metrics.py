"""The metrics module: a run's decisions counted at once equal each decision observed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from service.metrics import LATENCY_BUCKETS, PrometheusMetrics, RunHistogram

AMOUNTS = st.one_of(
    st.sampled_from([0.0, *LATENCY_BUCKETS, 2.6, 100.0]),  # on each bound, and past the last
    st.floats(min_value=0, max_value=10, allow_nan=False),
)


def _samples(histogram: Histogram) -> dict[str, float]:
    [family] = histogram.collect()
    return {f"{s.name}{sorted(s.labels.items())}": s.value for s in family.samples}


@given(st.lists(st.tuples(AMOUNTS, st.integers(1, 500)), max_size=20))
def test_observe_many_is_observe_repeated(runs: list[tuple[float, int]]) -> None:
    bulk = RunHistogram("d", "d", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    one_by_one = Histogram("d", "d", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    for amount, count in runs:
        bulk.observe_many(amount, count)
        for _ in range(count):
            one_by_one.observe(amount)
    got, want = _samples(bulk), _samples(one_by_one)
    assert got.keys() == want.keys()
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_decisions_of_a_run_reach_the_latency_histogram() -> None:
    metrics = PrometheusMetrics()
    metrics.decisions(3, 2, [("OVER_LIMIT", 2)], 0.004)
    metrics.decisions(0, 0, [], 0.5)  # a run without decisions observes nothing
    metrics.flush()
    text = generate_latest(metrics.registry).decode()
    assert 'credit_decision_latency_seconds_bucket{le="0.0025"} 0.0' in text
    assert 'credit_decision_latency_seconds_bucket{le="0.005"} 5.0' in text
    assert "credit_decision_latency_seconds_count 5.0" in text
    assert 'credit_decisions_total{outcome="held"} 2.0' in text

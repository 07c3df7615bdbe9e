"""Every Prometheus metric of the service, defined once (labels are bounded sets only).

``PrometheusMetrics`` implements the ``Metrics`` port over prometheus-client; ``NullMetrics``
is the in-memory runtime's, and counts nothing.
"""

from __future__ import annotations

import bisect

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # type: ignore[no-untyped-call]
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class RunHistogram(Histogram):
    """A histogram that takes a run's decisions at once: ``count`` observations of one
    amount, the run's time per event. prometheus-client has no weighted ``observe``, and
    observing each decision took a locked increment per decision (a test holds this to
    ``observe`` called ``count`` times)."""

    def observe_many(self, amount: float, count: int) -> None:
        self._raise_if_not_observable()  # type: ignore[no-untyped-call]
        self._sum.inc(amount * count)
        # the first bound at or above the amount: where ``observe`` counts it (the last is +Inf)
        self._buckets[bisect.bisect_left(self._upper_bounds, amount)].inc(count)


class PrometheusMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events_in = Counter("credit_events_in_total", "Input records consumed",
                                 ["topic", "event_type"], registry=r)  # fmt: skip
        self.events_out = Counter("credit_events_out_total", "Output records produced",
                                  ["topic", "event_type"], registry=r)  # fmt: skip
        self.decision_outcomes = Counter("credit_decisions_total", "Order decisions by outcome",
                                         ["outcome"], registry=r)  # fmt: skip
        self.hold_reasons = Counter("credit_hold_reasons_total", "Hold reasons given",
                                    ["reason"], registry=r)  # fmt: skip
        self.ignored = Counter("credit_events_ignored_total",
                               "Inputs that changed nothing (repeats, unknown orders)",
                               ["event_type"], registry=r)  # fmt: skip
        self.decision_seconds = RunHistogram(
            "credit_decision_latency_seconds",
            "Time to decide one order (in a run of the native engine: the run's time per event)",
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.event_time_lag = Gauge("credit_event_time_lag_seconds",
                                    "Wall clock minus occurred_at of the last event processed",
                                    registry=r)  # fmt: skip
        self.consumer_lag = Gauge("credit_consumer_lag_records", "Records behind the end",
                                  ["topic", "partition"], registry=r)  # fmt: skip
        self.commit_seconds = Histogram("credit_transaction_commit_seconds",
                                        "Transaction commit time", buckets=LATENCY_BUCKETS,
                                        registry=r)  # fmt: skip
        self.aborts = Counter("credit_transaction_aborts_total", "Aborted transactions",
                              registry=r)  # fmt: skip
        self.restored = Counter("credit_restore_records_total", "Changelog records restored",
                                registry=r)  # fmt: skip
        self.restoring = Gauge("credit_restoring_partitions", "Partitions being restored",
                               registry=r)  # fmt: skip
        self.books_undecoded = Gauge(
            "credit_books_undecoded",
            "Restored account books not decoded yet (each is, at its credit root's first event)",
            registry=r,
        )  # fmt: skip
        self.dead_letters = Counter("credit_dead_letters_total", "Records sent to dead letter",
                                    ["topic"], registry=r)  # fmt: skip
        self.rebalances = Counter("credit_rebalances_total", "Partition assignment changes",
                                  ["kind"], registry=r)  # fmt: skip
        self.reference_behind = Gauge("credit_reference_behind_records",
                                      "Reference records not yet applied", registry=r)  # fmt: skip
        self.reference_end_checks = Counter(
            "credit_reference_end_checks_total",
            "Reads of inputs checked against the reference topic's end: asked (a broker round "
            "trip) or covered (by the end asked before)",
            ["kind"], registry=r,
        )  # fmt: skip
        self.handover_records = Counter(
            "credit_handover_records_total",
            "By-root records of membership hand-overs: handoff, barrier, forwarded, parked",
            ["kind"], registry=r,
        )  # fmt: skip
        self.input_paths = Counter(
            "credit_input_paths_total",
            "Input events decided where they were read (direct) or routed to the by-root topic",
            ["path"], registry=r,
        )  # fmt: skip
        self.ready = Gauge("credit_ready", "1 when assigned, restored and caught up",
                           registry=r)  # fmt: skip

        self._children: dict[tuple[Counter, tuple[str, ...]], Counter] = {}
        # per-event counts wait here until ``flush`` (at every commit): a dict increment
        # instead of a labelled child's locked increment on every event's path
        self._counts: dict[tuple[Counter, tuple[str, ...]], int] = {}

    def _child(self, counter: Counter, *labels: str) -> Counter:
        """``counter.labels(...)``, looked up once per label set."""
        key = (counter, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = counter.labels(*labels)
        return child

    def _count(self, counter: Counter, *labels: str, count: int = 1) -> None:
        key = (counter, labels)
        self._counts[key] = self._counts.get(key, 0) + count

    def flush(self) -> None:
        """Add the counts gathered since the last flush to the counters."""
        counts, self._counts = self._counts, {}
        for (counter, labels), count in counts.items():
            self._child(counter, *labels).inc(count)

    def event_in(self, topic: str, event_type: str, count: int = 1) -> None:
        self._count(self.events_in, topic, event_type, count=count)

    def event_out(self, topic: str, event_type: str, count: int = 1) -> None:
        self._count(self.events_out, topic, event_type, count=count)

    def decision(self, outcome: str, reasons: list[str], seconds: float) -> None:
        self._count(self.decision_outcomes, outcome)
        for reason in reasons:
            self._count(self.hold_reasons, reason)
        self.decision_seconds.observe(seconds)

    def decisions(self, approved: int, held: int, reasons: list[tuple[str, int]],
                  seconds: float) -> None:  # fmt: skip
        for outcome, count in (("approved", approved), ("held", held)):
            if count:
                self._count(self.decision_outcomes, outcome, count=count)
        for reason, count in reasons:
            self._count(self.hold_reasons, reason, count=count)
        if approved + held:
            self.decision_seconds.observe_many(seconds, approved + held)

    def event_ignored(self, event_type: str, count: int = 1) -> None:
        self.ignored.labels(event_type).inc(count)

    def dead_letter(self, topic: str) -> None:
        self.dead_letters.labels(topic).inc()

    def handover(self, kind: str) -> None:
        self._count(self.handover_records, kind)

    def input_path(self, path: str, count: int = 1) -> None:
        self._count(self.input_paths, path, count=count)

    def reference_end_check(self, kind: str) -> None:
        self._count(self.reference_end_checks, kind)


class NullMetrics:
    """The in-memory runtime's metrics: the same calls, nothing recorded."""

    def flush(self) -> None:
        pass

    def event_in(self, topic: str, event_type: str, count: int = 1) -> None:
        pass

    def event_out(self, topic: str, event_type: str, count: int = 1) -> None:
        pass

    def decision(self, outcome: str, reasons: list[str], seconds: float) -> None:
        pass

    def decisions(self, approved: int, held: int, reasons: list[tuple[str, int]],
                  seconds: float) -> None:  # fmt: skip
        pass

    def event_ignored(self, event_type: str, count: int = 1) -> None:
        pass

    def dead_letter(self, topic: str) -> None:
        pass

    def handover(self, kind: str) -> None:
        pass

    def input_path(self, path: str, count: int = 1) -> None:
        pass

    def reference_end_check(self, kind: str) -> None:
        pass

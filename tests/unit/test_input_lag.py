"""``InputLag``: when an input partition holds the event-time merge back. The consumer here is a
stand-in for the two things librdkafka tells about a partition (its position, and the
watermarks cached from fetches or asked of the broker); the broker tests are
``tests/integration/test_idle_inputs.py``."""

from __future__ import annotations

from confluent_kafka import TopicPartition

from service.runtime.input_lag import InputLag

P = ("credit.orders.created", 0)


class Partition:
    def __init__(self, low: int, high: int, cached: tuple[int, int] | None, position: int):
        self.low, self.high, self.cached, self.at = low, high, cached, position

    def get_watermark_offsets(self, tp: TopicPartition, timeout: float = 0.0,
                              cached: bool = False) -> tuple[int, int] | None:  # fmt: skip
        return self.cached if cached else (self.low, self.high)

    def position(self, partitions: list[TopicPartition]) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, self.at) for tp in partitions]


def started(consumer: Partition, committed: int) -> InputLag:
    lag = InputLag()
    lag.started(consumer, [TopicPartition(*P, committed)])
    return lag


def test_a_partition_that_hands_out_records_is_measured_by_its_position() -> None:
    assert started(Partition(0, 10, (0, 10), position=7), 5).has_lag(
        Partition(0, 10, (0, 10), position=7), P)  # fmt: skip
    assert not started(Partition(0, 10, (0, 10), 10), 5).has_lag(Partition(0, 10, (0, 10), 10), P)


def test_an_idle_partition_holds_nothing_back_until_records_come() -> None:
    consumer = Partition(0, 10, None, position=-1001)  # no record handed out, no fetch yet
    lag = started(consumer, 10)
    assert not lag.has_lag(consumer, P)
    consumer.cached = (0, 12)  # a fetch saw two new records
    assert lag.has_lag(consumer, P)


def test_stale_cached_watermarks_do_not_hide_a_backlog() -> None:
    """The partition was owned before (cached end 100); meanwhile another instance committed
    150 and the broker has 300: it has a backlog, whatever the cache says."""
    consumer = Partition(0, 300, (0, 100), position=-1001)
    assert started(consumer, 150).has_lag(consumer, P)
    idle = Partition(0, 300, (0, 100), position=-1001)  # committed 300: nothing to read
    assert not started(idle, 300).has_lag(idle, P)


def test_no_commit_reads_from_the_log_start_and_a_bad_commit_resets_to_it() -> None:
    empty = Partition(40, 40, None, -1001)  # retention removed every record
    assert not started(empty, -1001).has_lag(empty, P)
    backlog = Partition(0, 40, None, -1001)
    assert started(backlog, -1001).has_lag(backlog, P)
    truncated = Partition(0, 100, None, -1001)  # committed past the end: read from the start
    assert started(truncated, 5000).has_lag(truncated, P)


def test_a_forgotten_partition_counts_as_lagging_again() -> None:
    consumer = Partition(0, 10, None, -1001)
    lag = started(consumer, 10)
    lag.forget(P)
    assert lag.has_lag(consumer, P)

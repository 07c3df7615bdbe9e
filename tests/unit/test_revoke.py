"""A revocation whose commit fails (the broker away) must not keep the batch: its transaction
would be committed later with the outputs of the revoked partitions' records but without their
offsets, and the next owner would decide those records again. No broker: the two clients are
stand-ins that record what the runtime asks of them (the broker tests of rebalances are in
``tests/integration/test_failures.py``)."""

from __future__ import annotations

from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from service.bootstrap import bootstrap
from service.settings import Settings

ORDERS = "credit.orders.created"


class Output:
    """The transactional producer, whose commit fails as when the broker is away."""

    def __init__(self) -> None:
        self.in_transaction, self.aborts, self.commits = True, 0, 0
        self.changelog_offsets: dict[int, int] = {}

    def produce(self, records: list[Any]) -> None:
        self.in_transaction = self.in_transaction or bool(records)

    produce_changelog = produce_outputs = produce

    def commit(self, positions: list[TopicPartition], consumer: Any) -> None:
        self.commits += 1
        raise KafkaException(KafkaError(KafkaError._TRANSPORT))

    def abort(self) -> None:
        self.in_transaction = False
        self.aborts += 1


class Consumer:
    def __init__(self) -> None:
        self.seeks: list[tuple[str, int, int]] = []

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(ORDERS, 0), TopicPartition(ORDERS, 1)]

    def committed(self, partitions: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, 5) for tp in partitions]

    def position(self, partitions: list[TopicPartition]) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, 8) for tp in partitions]

    def seek(self, tp: TopicPartition) -> None:
        self.seeks.append((tp.topic, tp.partition, tp.offset))

    def get_watermark_offsets(self, tp: TopicPartition, timeout: float = 0.0,
                              cached: bool = False) -> tuple[int, int]:  # fmt: skip
        return (0, 5)


def test_a_failed_commit_at_revocation_abandons_the_batch() -> None:
    runtime = bootstrap(Settings(store="memory", retry_backoff_max_s=0.01)).runtime
    output, consumer = Output(), Consumer()
    runtime.output, runtime.consumer = output, consumer  # type: ignore[assignment]
    runtime._inputs = [(ORDERS, 0), (ORDERS, 1)]
    runtime._next_offsets = {(ORDERS, 0): 9, (ORDERS, 1): 7}  # records handled, not committed
    runtime._pending_offsets = True
    runtime._on_revoke(consumer, [TopicPartition(ORDERS, 0)])  # type: ignore[arg-type]
    assert output.commits == 1
    assert output.aborts == 1 and not output.in_transaction  # nothing of the batch is left
    assert runtime._fatal is None  # the service goes on
    assert sorted(consumer.seeks) == [(ORDERS, 0, 5), (ORDERS, 1, 5)]  # back to the commit
    assert runtime._next_offsets == {} and not runtime._pending_offsets
    assert runtime._inputs == [(ORDERS, 1)]

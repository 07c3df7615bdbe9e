"""``TransactionalOutput`` hands outputs to a real librdkafka client a topic at a time and
changelog entries a partition at a time (``produce_batch``). No broker: the records stay
queued, and purging them reports each one (``_PURGE_QUEUE``) with its topic, key and
partition; that they are delivered, in one transaction with the offsets, is what the broker
tests check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from service.runtime import transactions
from service.runtime.transactions import TransactionalOutput
from service.settings import Settings

Queued = list[tuple[str, bytes, bytes | None, int]]  # topic, key, value, partition (-1: any)


class Reports:
    """The records purged from the output's producer, as their delivery reports name them:
    ``(topic, key, value, partition)``; ``changelog`` those reported to the output's
    changelog callback (the last entry of each partition)."""

    def __init__(self) -> None:
        self.records: Queued = []
        self.changelog: list[bytes] = []

    def report(self, error: KafkaError, message: Message) -> None:
        assert error.code() == KafkaError._PURGE_QUEUE
        self.records.append((message.topic() or "", message.key() or b"", message.value(),
                             message.partition() or 0))  # fmt: skip

    def changelog_report(self, error: KafkaError, message: Message) -> None:
        self.report(error, message)
        self.changelog.append(message.key() or b"")


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> Reports:
    reports = Reports()
    real_config = transactions.producer_config

    def config(settings: Settings) -> dict[str, Any]:
        return real_config(settings) | {"on_delivery": reports.report}

    monkeypatch.setattr(transactions, "producer_config", config)
    return reports


@pytest.fixture
def output(reports: Reports, monkeypatch: pytest.MonkeyPatch) -> Iterator[TransactionalOutput]:
    settings = Settings(guarantee="at_least_once", bootstrap_servers="localhost:1")
    output = TransactionalOutput(settings, lambda error: None)
    monkeypatch.setattr(output, "_changelog_delivered", reports.changelog_report)
    yield output
    output.producer.purge()


def purged(output: TransactionalOutput, reports: Reports) -> Queued:
    output.producer.purge()
    output.producer.poll(0)
    return reports.records


def test_outputs_of_several_topics_are_all_queued_in_order(
    output: TransactionalOutput, reports: Reports,
) -> None:  # fmt: skip
    topics = output.settings.topics
    approved, held = topics.orders_approved, topics.orders_held
    output.produce_outputs([(approved, b"C1:A", b"a1"), (held, b"C1:B", b"h1"),
                            (approved, b"C1:A", b"a2")])  # fmt: skip
    records = sorted(purged(output, reports), key=lambda record: record[0])
    assert [(topic, key, value) for topic, key, value, _ in records] == [
        (approved, b"C1:A", b"a1"),
        (approved, b"C1:A", b"a2"),
        (held, b"C1:B", b"h1"),
    ]


def test_changelog_entries_keep_their_partition_and_deletions_their_null(
    output: TransactionalOutput, reports: Reports,
) -> None:  # fmt: skip
    changelog = output.settings.topics.changelog
    output.produce_changelog([(b"k1", b"b1", 0), (b"k2", b"b2", 1), (b"k3", b"b3", 0)])
    output.produce_changelog([(b"k4", None, 2), (b"k5", b"b5", 2)])  # one by one
    assert sorted(purged(output, reports)) == [
        (changelog, b"k1", b"b1", 0),
        (changelog, b"k2", b"b2", 1),
        (changelog, b"k3", b"b3", 0),
        (changelog, b"k4", None, 2),
        (changelog, b"k5", b"b5", 2),
    ]
    assert sorted(reports.changelog) == [b"k2", b"k3", b"k5"]  # the last of each partition


def test_a_record_the_client_refuses_raises_as_produce_would(output: TransactionalOutput) -> None:
    too_large = b"x" * (2 * 2**20)  # over message.max.bytes (1 MB)
    with pytest.raises(KafkaException) as raised:
        output.produce_outputs([(output.settings.topics.orders_approved, b"C1:A", too_large)])
    assert raised.value.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_more_records_than_a_batch_takes_go_in_several_calls(
    output: TransactionalOutput, reports: Reports, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(transactions, "BATCH_RECORDS", 2)
    calls: list[int] = []
    real = output.producer

    class Counting:
        def __len__(self) -> int:
            return len(real)

        def produce_batch(self, topic: str, messages: list[dict[str, object]],
                          partition: int) -> int:  # fmt: skip
            calls.append(len(messages))
            return real.produce_batch(topic, messages, partition)

        def poll(self, timeout: float) -> int:
            return real.poll(timeout)

    monkeypatch.setattr(output, "producer", Counting())
    output.produce_changelog([(b"k%d" % n, b"book", n % 2) for n in range(9)])
    monkeypatch.setattr(output, "producer", real)
    assert calls == [2, 2, 1, 2, 2]  # partition 0: 5 entries, partition 1: 4
    assert len(purged(output, reports)) == 9


def test_a_fatal_refusal_stays_fatal() -> None:
    """A fenced producer refuses every record with ``_FATAL``; ``produce`` raises that as a
    fatal error, which stops the loop (exit code 3), and so does a batch."""
    fatal = transactions._refusal(KafkaError(KafkaError._FATAL, "fenced"))
    assert (fatal.code(), fatal.fatal()) == (KafkaError._FATAL, True)
    full = transactions._refusal(KafkaError(KafkaError._QUEUE_FULL))
    assert (full.code(), full.fatal()) == (KafkaError._QUEUE_FULL, False)


def test_the_producer_asks_the_coordinator_again_soon() -> None:
    """``CREDIT_PRODUCER_RETRY_BACKOFF_MS`` reaches librdkafka, which accepts it: a coordinator
    busy completing the last commit is asked again after 20 ms, doubling up to 200 ms."""
    settings = Settings(bootstrap_servers="localhost:1")
    config = transactions.producer_config(settings)
    assert (config["retry.backoff.ms"], config["retry.backoff.max.ms"]) == (20, 200)
    slower = settings.model_copy(update={"producer_retry_backoff_ms": 100})
    assert transactions.producer_config(slower)["retry.backoff.max.ms"] == 1000
    Producer(config).purge()  # a value librdkafka refuses raises here

"""The floor under ``make bench-kafka``: what a Python loop that only moves bytes through the
service's two hops reaches on this machine, with the same client, broker and configuration.

``python -m bench.kafka_floor`` publishes the benchmark's transaction events (Avro, as
``bench.kafka_bench`` does) to a fresh set of the service's topics, then runs, in this process,
the loop ``credit-service run`` has, with everything of ours taken out:

- hop 1: an input record is produced unchanged to the by-root topic, to the partition of its key;
- hop 2: a by-root record is produced unchanged to the approved-orders topic, and a 120-byte
  prefix of it to the changelog (the service writes one decision per order and one changelog
  record per touched book per commit: this is at least as much);
- one consumer reads both hops (``read_committed``) in batches of ``--max-batch``; the
  transactional producer commits the outputs and the consumed offsets every
  ``--commit-interval-ms``, as the service does (``service.runtime.transactions``); with
  ``at_least_once`` it flushes and commits the offsets instead.

The clock runs from the first record read to the last by-root record handled. No decoding,
validation, credit rules, merge, metrics or logs: so the figure bounds what any Python service
on this client can do here, and the gap to ``make bench-kafka`` is what ours adds.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, Message, Producer, TopicPartition

from bench.kafka_support import (
    Deployment,
    Encoded,
    RawProducer,
    delete_topics,
    load_average,
    log,
    new_run,
    topic_retries,
)
from service.bootstrap import codec_for
from service.runtime.clients import consumer_config, producer_config
from service.settings import Settings

CHANGELOG_BYTES = 120


@dataclass
class Floor:
    guarantee: str
    records: int  # transaction events, each through both hops
    seconds: float
    cpu_seconds: float  # this process (the loop and librdkafka's threads)
    commits: int

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


class BytesLoop:
    """Both hops of the service with only the Kafka calls left."""

    def __init__(self, settings: Settings, records: int, max_batch: int, interval: float) -> None:
        self.settings, self.records = settings, records
        self.max_batch, self.interval = max_batch, interval
        self.exactly_once = settings.guarantee == "exactly_once"
        self.topics = settings.topics
        self.partitions = settings.by_root_partitions
        self.consumer = Consumer(consumer_config(settings))
        self.producer = Producer(producer_config(settings))
        if self.exactly_once:
            self.producer.init_transactions(15)
        self.positions: dict[tuple[str, int], int] = {}
        self.decided = self.commits = 0
        self.open = False

    def run(self) -> tuple[float, float]:
        """Seconds and CPU seconds from the first record read to the last one decided."""
        self.consumer.subscribe([*self.topics.transaction_inputs(), self.topics.by_root])
        first: tuple[float, float] | None = None
        last_commit = time.monotonic()
        while self.decided < self.records:
            messages = self.consumer.consume(self.max_batch, timeout=0.02)
            if messages and first is None:
                first = (time.perf_counter(), time.process_time())
            for message in messages:
                self._handle(message)
            if time.monotonic() - last_commit >= self.interval:
                self._commit()
                last_commit = time.monotonic()
        self._commit()
        assert first is not None
        return time.perf_counter() - first[0], time.process_time() - first[1]

    def _handle(self, message: Message) -> None:
        if message.error() is not None:
            raise RuntimeError(str(message.error()))
        if self.exactly_once and not self.open:
            self.producer.begin_transaction()
            self.open = True
        topic, partition = message.topic() or "", message.partition() or 0
        key, value = message.key() or b"", message.value() or b""
        if topic == self.topics.by_root:
            self._produce(self.topics.orders_approved, key, value, partition)
            self._produce(self.topics.changelog, key, value[:CHANGELOG_BYTES], partition)
            self.decided += 1
        else:
            self._produce(self.topics.by_root, key, value, zlib.crc32(key) % self.partitions)
        self.positions[(topic, partition)] = (message.offset() or 0) + 1

    def _produce(self, topic: str, key: bytes, value: bytes, partition: int) -> None:
        while True:
            try:
                self.producer.produce(topic, value, key, partition)
                return
            except BufferError:
                self.producer.poll(0.01)

    def _commit(self) -> None:
        offsets = [TopicPartition(t, p, o) for (t, p), o in sorted(self.positions.items())]
        if not offsets:
            return
        if not self.exactly_once:
            self.producer.flush(30)
            self.consumer.commit(offsets=offsets, asynchronous=False)
        else:
            if not self.open:
                self.producer.begin_transaction()
            metadata = self.consumer.consumer_group_metadata()
            self.producer.send_offsets_to_transaction(offsets, metadata, 30)
            self.producer.commit_transaction(30)
            self.open = False
        self.commits += 1

    def close(self) -> None:
        self.consumer.close()
        self.producer.flush(10)


def measure(base: Settings, run_id: str, work: Path, guarantee: str,
            records: list[Encoded]) -> Floor:  # fmt: skip
    """Publish ``records`` (transaction events only) to new topics and time the loop."""
    tag = "floor-eos" if guarantee == "exactly_once" else "floor-alo"
    deployment = Deployment.create(base, run_id, tag, work, guarantee=guarantee)
    topic_retries(deployment.settings)
    producer = RawProducer(deployment.settings)
    producer.produce_all(deployment, records)
    producer.flush()
    loop = BytesLoop(deployment.settings, len(records), base.max_batch,
                     base.commit_interval_ms / 1000)  # fmt: skip
    try:
        seconds, cpu = loop.run()
    finally:
        loop.close()
        delete_topics(deployment.settings, deployment.all_topics())
    floor = Floor(guarantee, len(records), seconds, cpu, loop.commits)
    log(f"{guarantee}: bytes-only loop, {floor.records:,} records through both hops in "
        f"{seconds:.2f} s = {floor.per_second:,.0f}/s")  # fmt: skip
    return floor


def transaction_records(records: list[Encoded]) -> list[Encoded]:
    """The records the two hops carry (reference data goes to the global table instead)."""
    return [record for record in records if record.topic_field != "reference"]


def main(argv: list[str] | None = None) -> None:
    from bench.kafka_bench import OUT, build_workload, parse_args

    args = parse_args(["--phases", "throughput", *(argv if argv is not None else sys.argv[1:])])
    if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        sys.exit("KAFKA_BOOTSTRAP_SERVERS is not set: start deploy/kafka/kafka.sh and set it")
    overrides = {"commit_interval_ms": args.commit_interval_ms} if args.commit_interval_ms else {}
    base = Settings().model_copy(update=overrides)
    run_id, work = new_run(OUT)
    workload = build_workload(args, codec_for(base))
    records = transaction_records(workload.transactions[: args.backlog])
    orders = sum(1 for d in workload.decision_ids[: args.backlog] if d is not None)
    load = load_average()
    floors = [measure(base, run_id, work, g, records) for g in args.guarantees]
    print(f"\nbytes-only loop, both hops, one process: {len(records):,} transaction events "
          f"({orders:,} orders); {base.by_root_partitions} by-root partitions, batches of "
          f"{base.max_batch}, commit every {base.commit_interval_ms} ms; "
          f"load {load}→{load_average()}")  # fmt: skip
    print(f"{'guarantee':<14}{'events/s':>10}{'≈ orders/s':>12}{'CPU s':>8}{'commits':>9}")
    for f in floors:
        print(f"{f.guarantee:<14}{f.per_second:>10,.0f}{f.per_second * orders / f.records:>12,.0f}"
              f"{f.cpu_seconds:>8.1f}{f.commits:>9}")  # fmt: skip


if __name__ == "__main__":
    main()

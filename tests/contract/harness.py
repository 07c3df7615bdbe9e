"""Two runtimes behind one interface, so the contract tests run on both (arroyo's
StreamsTestMixin): the in-memory runtime, and the Kafka runtime on a real broker."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka import Consumer, Producer, TopicPartition

from service.bootstrap import bootstrap, bootstrap_in_memory, codec_for
from service.domain.engine import CreditEngine
from service.domain.reference import AccountKey
from service.domain.snapshot import book_from_bytes
from service.ledgers import Ledger, PythonLedger
from service.publish import EventPublisher
from service.runtime.clients import ensure_topics
from service.settings import Settings, Topics
from service.watch import OutputWatcher


class Harness(Protocol):
    settings: Settings

    def start(self) -> None: ...
    def publish(self, events: list[dict[str, Any]]) -> None: ...
    def publish_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None: ...
    def settle(self) -> None: ...
    def outputs(self) -> list[dict[str, Any]]: ...
    def dead_letters(self) -> list[tuple[bytes | None, dict[str, bytes]]]: ...
    def engine(self) -> CreditEngine: ...
    def ledger(self) -> Ledger: ...
    def close(self) -> None: ...


def books_of(ledger: Ledger) -> dict[AccountKey, tuple[Any, ...]]:
    """Every book a runtime's engine holds, as ``book_summary`` (stored ones decoded first)."""
    if isinstance(ledger, PythonLedger):
        ledger.engine.stored.load_all()
    books = {account: ledger.book_bytes(account) for account in ledger.held_accounts()}
    return {account: book_summary(payload) for account, payload in books.items() if payload}


def book_summary(payload: bytes) -> tuple[Any, ...]:
    """A book's balances, orders, invoices, holds and the ids it has seen. A held amount is
    kept by value: read from Avro it has the schema's scale (``1519.5100``), from JSON not."""
    book = book_from_bytes(payload)
    holds = {order_id: held.to_record() for order_id, held in book.hold_items().items()}
    for record in holds.values():
        record[1] = Decimal(record[1]).normalize()
    return (book.currency, book.receivable, book.open_order_total, book.exposure(True),
            book.order_items(), book.invoice_items(), holds, book.seen_digests())  # fmt: skip


class MemoryHarness:
    def __init__(self, direct_decisions: bool = True, engine: str = "python") -> None:
        self.settings = Settings(by_root_partitions=4, direct_decisions=direct_decisions,
                                 engine=engine)  # fmt: skip
        self.runtime = bootstrap_in_memory(self.settings)

    def start(self) -> None:
        pass

    def publish(self, events: list[dict[str, Any]]) -> None:
        self.runtime.publish(events)

    def publish_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        self.runtime.publish_raw(topic, key, value)

    def settle(self) -> None:
        self.runtime.settle()

    def outputs(self) -> list[dict[str, Any]]:
        return self.runtime.outputs()

    def dead_letters(self) -> list[tuple[bytes | None, dict[str, bytes]]]:
        return [(r.value, dict(r.headers)) for r in self.runtime.dead_letters()]

    def engine(self) -> CreditEngine:
        return self.runtime.processor.engine

    def ledger(self) -> Ledger:
        return self.runtime.processor.ledger

    def close(self) -> None:
        pass


def isolated_settings(bootstrap: str, state_dir: Path, **overrides: Any) -> Settings:
    """Settings with topics, group and state of their own, so tests never share a thing."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    topics = Topics(**{name: f"{prefix}.{value}" for name, value in Topics().model_dump().items()})
    values: dict[str, Any] = {
        "bootstrap_servers": bootstrap, "application_id": f"credit-{prefix}",
        "instance_id": "i1", "topics": topics, "state_dir": state_dir, "input_partitions": 1,
        "by_root_partitions": 4, "commit_interval_ms": 50,
    }  # fmt: skip
    return Settings(**(values | overrides))


def committed_behind(settings: Settings) -> int:
    """How many records of the service's inputs and by-root topic are not committed yet."""
    consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers,
                         "group.id": settings.application_id})  # fmt: skip
    try:
        topics = [*settings.topics.transaction_inputs(), settings.topics.by_root]
        partitions = []
        for topic in topics:
            meta = consumer.list_topics(topic, timeout=10).topics[topic]
            partitions += [TopicPartition(topic, p) for p in meta.partitions]
        behind = 0
        for tp in consumer.committed(partitions, timeout=10):
            end = consumer.get_watermark_offsets(tp, timeout=10)[1]
            slack = 1 if tp.topic == settings.topics.by_root else 0  # the commit marker
            behind += max(end - max(tp.offset, 0) - slack, 0)
        return behind
    finally:
        consumer.close()


class KafkaHarness:
    def __init__(self, servers: str, state_dir: Path, start: bool = True,
                 **overrides: Any) -> None:  # fmt: skip
        self.settings = isolated_settings(servers, state_dir, **overrides)
        ensure_topics(self.settings)
        self.codec = codec_for(self.settings)
        self.publisher = EventPublisher(self.settings, self.codec)
        self.raw = Producer({"bootstrap.servers": servers})
        self.runtime = bootstrap(self.settings).runtime
        self.thread = threading.Thread(target=self.runtime.run, daemon=True)
        if start:
            self.thread.start()
        self.watcher = OutputWatcher(self.settings, self.codec)
        self._seen: list[tuple[str, dict[str, Any], Any]] = []

    def start(self) -> None:
        if not self.thread.is_alive():
            self.thread.start()

    def publish(self, events: list[dict[str, Any]]) -> None:
        self.publisher.publish(events)
        self.publisher.flush()

    def publish_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        self.raw.produce(topic, key=key, value=value)
        self.raw.flush(10)

    def settle(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the service did not catch up")
            time.sleep(0.15)
            runtime = self.runtime
            started = hasattr(runtime, "reference") and hasattr(runtime, "consumer")
            idle = (
                started and runtime.reference.behind() == 0 and committed_behind(self.settings) == 0
            )
            quiet = quiet + 1 if idle else 0
        self._drain()

    def _drain(self) -> None:
        idle_until = time.monotonic() + 1.0
        while time.monotonic() < idle_until:
            batch = list(self.watcher.poll(timeout=0.2))
            if batch:
                self._seen += batch
                idle_until = time.monotonic() + 0.5

    def outputs(self) -> list[dict[str, Any]]:
        return [event for _, event, _ in self._seen if event["event_type"] != "dead_letter"]

    def dead_letters(self) -> list[tuple[bytes | None, dict[str, bytes]]]:
        return [(m.value(), dict(m.headers() or [])) for _, e, m in self._seen
                if e["event_type"] == "dead_letter"]  # fmt: skip

    def engine(self) -> CreditEngine:
        return self.runtime.processor.engine

    def ledger(self) -> Ledger:
        return self.runtime.processor.ledger

    def close(self) -> None:
        self.runtime.stop()
        self.thread.join(30)
        self.watcher.close()


def normalised(value: Any) -> Any:
    """Values compared across runtimes: decimals by value, instants in UTC to the millisecond."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items() if k != "occurred_at"}
    if isinstance(value, list | tuple):
        return [normalised(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_multiset(outputs: list[dict[str, Any]]) -> Counter[str]:
    return Counter(json.dumps(normalised(o), sort_keys=True) for o in outputs)

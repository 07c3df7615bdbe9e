"""Publish contract events (JSON form) to their input topics, Avro-encoded: for the demo,
the benchmarks, the tests, and ``credit-service publish`` (what an order system would do)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from service.codec import AvroCodec
from service.domain.events import INPUT_EVENT
from service.errors import CreditServiceError
from service.settings import Settings, Topics


class PublishError(CreditServiceError):
    """Events could not be delivered to the broker."""


def input_topic(topics: Topics, event_type: str) -> str:
    return {
        "order_created": topics.orders_created, "invoice_posted": topics.invoices_posted,
        "payment_posted": topics.payments_posted, "order_cancelled": topics.orders_cancelled,
        "hold_released": topics.holds_decided, "hold_rejected": topics.holds_decided,
    }.get(event_type, topics.reference)  # fmt: skip


def record_key(event: dict[str, Any]) -> str:
    """Transactions by account; reference data by entity (the compaction key)."""
    kind = event["event_type"]
    if kind in ("company_upserted", "warehouse_upserted", "group_upserted"):
        entity = kind.removesuffix("_upserted")
        return f"{entity}:{event.get(f'{entity}_id')}"
    if kind == "exchange_rate_set":
        return f"rate:{event['from_currency']}:{event['to_currency']}:{event['valid_from']}"
    return f"{event['company_id']}:{event['customer_id']}"


def native(event: dict[str, Any]) -> dict[str, Any]:
    """A JSON-form event as the codec's native dict (Decimal, datetime, date)."""
    record: dict[str, Any] = INPUT_EVENT.validate_python(event).model_dump()
    if isinstance(record.get("valid_from"), datetime):
        record["valid_from"] = record["valid_from"].date()
    return record


def encoded(
    topics: Topics, codec: AvroCodec, events: Iterable[dict[str, Any]]
) -> Iterator[tuple[str, bytes, bytes]]:
    for event in events:
        topic = input_topic(topics, event["event_type"])
        yield topic, record_key(event).encode(), codec.encode(topic, native(event))


class EventPublisher:
    def __init__(self, settings: Settings, codec: AvroCodec) -> None:
        self.topics, self.codec = settings.topics, codec
        self.producer = Producer({"bootstrap.servers": settings.bootstrap_servers,
                                  "linger.ms": 20, "enable.idempotence": True})  # fmt: skip
        self.failures: list[str] = []

    def publish(self, events: Iterable[dict[str, Any]]) -> int:
        count = 0
        for topic, key, value in encoded(self.topics, self.codec, events):
            while True:
                try:
                    self.producer.produce(topic, key=key, value=value, on_delivery=self._delivered)
                    break
                except BufferError:
                    self.producer.poll(0.05)
            count += 1
            if count % 1000 == 0:
                self.producer.poll(0)
        return count

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self.failures.append(f"{message.topic()}: {error}")

    def flush(self, timeout: float = 30.0) -> None:
        remaining = self.producer.flush(timeout)
        if remaining or self.failures:
            raise PublishError(f"{remaining} events pending, {len(self.failures)} failed: "
                               f"{self.failures[:3]}")  # fmt: skip

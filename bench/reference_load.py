"""Restore, part two: how long a starting instance takes to load the reference table.

Every instance reads ``credit.reference`` in full before it takes a partition (a global table),
so with N accounts a start, or a restart with a local store, reads N customer records first.

Setup: ``service.loadgen`` makes a realistic reference set for ``TEMPLATE_ACCOUNTS`` accounts
(companies, warehouses, rates, groups, customers); copies of its groups and customers with new
ids make up ``accounts`` customers (group sizes and settings as generated). The records are
Avro-encoded as an order system would publish them and produced to the reference topic.
Measured: ``KafkaRuntime._start`` (connect, transactional producer, reference table read and
applied, subscribe), the code path of a starting instance, three times: a first start reads the
table in full and writes the snapshot (``service.runtime.reference_snapshot``) to its state
directory and to Kafka; a restart reads its local snapshot; a new node (another instance id,
an empty state directory) reads the snapshot from Kafka (``service.runtime.snapshot_topic``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.kafka_support import RawProducer, create_topics
from service.bootstrap import bootstrap, codec_for
from service.domain.reference import AccountKey
from service.loadgen import LoadConfig, reference_events
from service.processor import CreditProcessor
from service.publish import native, record_key
from service.settings import Settings

TEMPLATE_ACCOUNTS = 20_000


@dataclass
class ReferenceLoad:
    records: int
    customers: int
    produce_seconds: float
    load_seconds: float  # a first start: the whole table, then a snapshot written
    restart_seconds: float  # a restart: the local snapshot
    new_node_seconds: float  # a node with no local state: the snapshot published on Kafka

    @property
    def per_second(self) -> float:
        return self.records / self.load_seconds if self.load_seconds else 0.0


def scaled_reference(accounts: int, seed: int) -> Iterator[dict[str, Any]]:
    """Reference events for ``accounts`` customers: the template set, then renamed copies."""
    config = LoadConfig(seed=seed, accounts=TEMPLATE_ACCOUNTS, groups=TEMPLATE_ACCOUNTS // 50,
                        events=1)  # fmt: skip
    templates = list(reference_events(config))
    copies = -(-accounts // TEMPLATE_ACCOUNTS)
    made = 0
    for event in templates:  # rates, companies, warehouses first; groups copied
        if event["event_type"] == "group_upserted":
            for copy in range(copies):
                yield event | {"event_id": f"{event['event_id']}/{copy}",
                               "group_id": f"{event['group_id']}/{copy}"}  # fmt: skip
        elif event["event_type"] != "customer_upserted":
            yield event
    customers = [e for e in templates if e["event_type"] == "customer_upserted"]
    for copy in range(copies):
        for event in customers:
            if made == accounts:
                return
            group = event.get("credit_group_id")
            yield event | {
                "event_id": f"{event['event_id']}/{copy}",
                "customer_id": f"{event['customer_id']}/{copy}",
                "credit_group_id": None if group is None else f"{group}/{copy}",
            }
            made += 1


def measure(settings: Settings, accounts: int, seed: int) -> tuple[ReferenceLoad, CreditProcessor]:
    """Publish the reference set to ``settings``' reference topic, then time a start-up."""
    create_topics(settings)
    codec = codec_for(settings)
    topic = settings.topics.reference
    producer = RawProducer(settings, linger_ms=50)
    started = time.perf_counter()
    records = customers = 0
    for event in scaled_reference(accounts, seed):
        value = codec.encode(topic, native(event), checked=False)
        producer.produce(topic, record_key(event).encode(), value)
        records += 1
        customers += event["event_type"] == "customer_upserted"
        if records % 5000 == 0:
            producer.producer.poll(0)
    producer.flush(300)
    produced = time.perf_counter() - started
    loaded, _ = _timed_start(settings, customers)  # the table in full; writes a snapshot
    fresh = {"state_dir": Path(settings.state_dir) / "new-node",
             "instance_id": f"{settings.instance_id}-new"}  # fmt: skip
    newcomer = settings.model_copy(update=fresh)
    # no local state: the snapshot on Kafka. Timed before the restart, whose processor stays
    # alive for the books: a second table of 1M customers in this heap slows a load by up to
    # 1.5 s here, which a new node (one table) would not see
    fetched, _ = _timed_start(newcomer, customers)
    restarted, processor = _timed_start(settings, customers)  # the local snapshot
    return ReferenceLoad(records, customers, produced, loaded, restarted, fetched), processor


def customer_accounts(accounts: int, seed: int) -> dict[AccountKey, str]:
    """The accounts of ``scaled_reference``'s customers, in its order, with the currency of
    each (its profile's, whichever engine holds it)."""
    return {(e["company_id"], e["customer_id"]): e["currency"]
            for e in scaled_reference(accounts, seed)
            if e["event_type"] == "customer_upserted"}  # fmt: skip


def _timed_start(settings: Settings, customers: int) -> tuple[float, CreditProcessor]:
    """Seconds of ``KafkaRuntime._start``, and the processor it loaded."""
    service = bootstrap(settings)
    processor = service.runtime.processor
    started = time.perf_counter()
    try:
        service.runtime._start()
        seconds = time.perf_counter() - started
        held = processor.ledger.customer_count()
    finally:
        service.runtime._close()
    if held != customers:
        raise RuntimeError(f"loaded {held:,} customers of {customers:,}")
    return seconds, processor

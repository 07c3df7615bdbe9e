"""Wire the ports in one place: settings → codec, metrics, processor, and a runtime.

``bootstrap(settings)`` gives the Kafka service (Prometheus metrics, RocksDB or memory stores,
the real broker); ``bootstrap(settings, in_memory=True)`` the same processing core with topics
as lists and no metrics, for tests and experiments without a broker.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.codec import AvroCodec, HttpSchemaRegistry, load_schemas
from service.ledgers import Ledger, NativeLedger, PythonLedger
from service.metrics import NullMetrics, PrometheusMetrics
from service.ports import Metrics
from service.processor import CreditProcessor
from service.settings import Settings

if TYPE_CHECKING:
    from service.runtime.health import Health
    from service.runtime.kafka_loop import KafkaRuntime
    from service.runtime.memory import InMemoryRuntime


GC_THRESHOLDS = (500_000, 20, 100)


def tune_garbage_collector() -> None:
    """Collect cyclic garbage less often. Every event allocates dozens of short-lived objects
    (nearly all freed by reference counting) while the books live on, so CPython's default
    (a young collection every 700 allocations) spends 13-15% of the engine's time scanning
    (`python -m bench.replay_bench --accounts 10000 --groups 200 --events 100000`: 17,615 /
    17,299 decisions/s with the defaults, 19,732 / 20,247 with 50,000 young objects). The
    Kafka loop keeps a poll's records (up to ``max_batch``) alive while it decides them, and
    at 50,000 a young collection scanned them every few polls: 117-160 ms of collecting in
    phase 1 of ``make bench-kafka``, 33-37 ms at 500,000 (``gc.callbacks``, two alternated
    pairs)."""
    gc.set_threshold(*GC_THRESHOLDS)


def codec_for(settings: Settings) -> AvroCodec:
    """Single-object encoding, or the Confluent wire format when a registry URL is set."""
    registry = (
        HttpSchemaRegistry(settings.schema_registry_url) if settings.schema_registry_url else None
    )
    return AvroCodec(load_schemas(settings.schemas_dir), registry)


def ledger_for(settings: Settings, codec: AvroCodec) -> Ledger:
    """The engine the settings choose (``CREDIT_ENGINE``), behind the processor's port."""
    return NativeLedger(codec) if settings.engine == "native" else PythonLedger()


def processor_for(settings: Settings, metrics: Metrics | None = None,
                  codec: AvroCodec | None = None) -> CreditProcessor:  # fmt: skip
    codec = codec or codec_for(settings)
    return CreditProcessor(settings.topics, settings.by_root_partitions, codec,
                           metrics or NullMetrics(), ledger_for(settings, codec))  # fmt: skip


@dataclass
class KafkaService:
    settings: Settings
    metrics: PrometheusMetrics
    health: Health
    runtime: KafkaRuntime


def bootstrap(settings: Settings | None = None) -> KafkaService:
    """The Kafka service, wired: one metrics registry, one health state, one processor."""
    from service.runtime.health import Health
    from service.runtime.kafka_loop import KafkaRuntime

    settings = settings or Settings()
    metrics = PrometheusMetrics()
    health = Health(metrics.ready)
    runtime = KafkaRuntime(settings, processor_for(settings, metrics), metrics, health)
    return KafkaService(settings, metrics, health, runtime)


def bootstrap_in_memory(settings: Settings | None = None) -> InMemoryRuntime:
    """The in-memory runtime over the same processing core."""
    from service.runtime.memory import InMemoryRuntime

    return InMemoryRuntime(settings or Settings())

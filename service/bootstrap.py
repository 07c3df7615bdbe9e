"""Wire the ports in one place: settings → codec, metrics, processor, and a runtime.

``bootstrap(settings)`` gives the Kafka service (Prometheus metrics, RocksDB or memory stores,
the real broker); ``bootstrap(settings, in_memory=True)`` the same processing core with topics
as lists and no metrics, for tests and experiments without a broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.codec import AvroCodec, HttpSchemaRegistry, load_schemas
from service.metrics import NullMetrics, PrometheusMetrics
from service.ports import Metrics
from service.processor import CreditProcessor
from service.settings import Settings

if TYPE_CHECKING:
    from service.runtime.health import Health
    from service.runtime.kafka_loop import KafkaRuntime
    from service.runtime.memory import InMemoryRuntime


def codec_for(settings: Settings) -> AvroCodec:
    """Single-object encoding, or the Confluent wire format when a registry URL is set."""
    registry = (
        HttpSchemaRegistry(settings.schema_registry_url) if settings.schema_registry_url else None
    )
    return AvroCodec(load_schemas(settings.schemas_dir), registry)


def processor_for(settings: Settings, metrics: Metrics | None = None) -> CreditProcessor:
    return CreditProcessor(settings.topics, settings.by_root_partitions, codec_for(settings),
                           metrics or NullMetrics())  # fmt: skip


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

"""Wire the ports in one place: settings → codec, metrics, processor, runtime."""

from __future__ import annotations

from dataclasses import dataclass

from service.codec import AvroCodec, HttpSchemaRegistry, load_schemas
from service.metrics import NullMetrics, PrometheusMetrics
from service.ports import Metrics
from service.processor import CreditProcessor
from service.settings import Settings


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
class Service:
    settings: Settings
    metrics: PrometheusMetrics
    processor: CreditProcessor


def bootstrap(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    metrics = PrometheusMetrics()
    return Service(settings, metrics, processor_for(settings, metrics))

"""``credit-service run``: the HTTP endpoints, signal handling, and retry with backoff."""

from __future__ import annotations

import signal
from types import FrameType

import structlog
from confluent_kafka import KafkaException

from service.bootstrap import bootstrap
from service.logs import configure
from service.runtime.health import serve
from service.runtime.kafka_loop import FencedError
from service.settings import Settings

log = structlog.get_logger(__name__)


def run_service(settings: Settings | None = None) -> int:
    """Run until SIGTERM/SIGINT; a broker outage is retried with backoff, never a crash loop."""
    settings = settings or Settings()
    configure(settings.log_level)
    service = bootstrap(settings)
    runtime = service.runtime
    server = serve(service.health, service.metrics.registry, settings.http_host,
                   settings.http_port)  # fmt: skip

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("stopping", signal=signum)
        runtime.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        runtime.run()
    except FencedError as exc:
        log.error("fenced", error=str(exc))
        return 3
    except KafkaException as exc:
        log.error("fatal_kafka_error", error=str(exc), exc_info=True)
        return 4
    finally:
        server.shutdown()
    return 0

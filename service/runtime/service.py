"""``credit-service run``: the HTTP endpoints, signal handling, and retry with backoff."""

from __future__ import annotations

import signal
from types import FrameType

import structlog
from confluent_kafka import KafkaException
from tenacity import RetryCallState, retry, retry_if_exception, wait_exponential

from service.bootstrap import processor_for
from service.logs import configure
from service.metrics import PrometheusMetrics
from service.runtime.health import Health, serve
from service.runtime.kafka_loop import FencedError, KafkaRuntime
from service.settings import Settings

log = structlog.get_logger(__name__)


def _transient(exc: BaseException) -> bool:
    """A broker outage is worth waiting out; a fatal client error (fencing) is not."""
    return isinstance(exc, KafkaException) and not exc.args[0].fatal()


def run_service(settings: Settings | None = None) -> int:
    """Run until SIGTERM/SIGINT; a broker outage is retried with backoff, never a crash loop."""
    settings = settings or Settings()
    configure(settings.log_level)
    metrics = PrometheusMetrics()
    health = Health(metrics.ready)
    server = serve(health, metrics.registry, settings.http_host, settings.http_port)
    stopping = False
    runtime: KafkaRuntime | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        log.info("stopping", signal=signum)
        if runtime is not None:
            runtime.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def retrying(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("broker_unavailable_retrying", error=str(error))

    @retry(retry=retry_if_exception(_transient), before_sleep=retrying,
           wait=wait_exponential(multiplier=0.5, max=settings.retry_backoff_max_s))  # fmt: skip
    def attempt() -> None:
        nonlocal runtime
        if not stopping:
            processor = processor_for(settings, metrics)  # state comes back from the stores
            runtime = KafkaRuntime(settings, processor, metrics, health)
            runtime.run()

    try:
        attempt()
    except FencedError as exc:
        log.error("fenced", error=str(exc))
        return 3
    except KafkaException as exc:
        log.error("fatal_kafka_error", error=str(exc))
        return 4
    finally:
        server.shutdown()
    return 0

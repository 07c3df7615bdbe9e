"""``/healthz`` (the loop is alive), ``/readyz`` (assigned, restored, caught up), ``/metrics``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

STALE_AFTER_S = 60.0


class Health:
    def __init__(self, ready_gauge: Any | None = None) -> None:
        self._last_beat = time.monotonic()
        self._ready = False
        self._caught_up = False
        self._connected = True
        self._gauge = ready_gauge

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self._last_beat < STALE_AFTER_S

    def set_ready(self, ready: bool) -> None:
        """Assigned and restored (or not)."""
        self._ready = ready
        self._publish()

    def set_caught_up(self, caught_up: bool) -> None:
        """The reference table has read every record published so far (or not)."""
        self._caught_up = caught_up
        self._publish()

    def set_connected(self, connected: bool) -> None:
        """The brokers answer (or all are down)."""
        self._connected = connected
        self._publish()

    def _publish(self) -> None:
        if self._gauge is not None:
            self._gauge.set(1 if self._ready and self._caught_up and self._connected else 0)

    def ready(self) -> bool:
        return self._ready and self._caught_up and self._connected and self.alive()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(health: Health, registry: CollectorRegistry, host: str, port: int) -> WSGIServer:
    """Start the HTTP endpoints on a daemon thread; returns the server (``.shutdown()``)."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ("/healthz", "/readyz"):
            ok = health.alive() if path == "/healthz" else health.ready()
            start("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"not ready\n"]
        return metrics_app(environ, start)  # type: ignore[no-any-return]

    server = make_server(host, port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server

"""Run ``credit-service run`` as a real subprocess, for the crash and rebalance tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, TopicPartition

from service.book_keys import account_of, is_book_key
from service.domain.snapshot import book_from_bytes
from service.settings import Settings
from tests.contract.harness import committed_behind

BIN = Path(sys.executable).parent / "credit-service"
STARTED: list[subprocess.Popen[bytes]] = []  # killed after each test, whatever its outcome


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "CREDIT_APPLICATION_ID": settings.application_id,
        "CREDIT_BY_ROOT_PARTITIONS": str(settings.by_root_partitions),
        "CREDIT_INPUT_PARTITIONS": str(settings.input_partitions),
        "CREDIT_COMMIT_INTERVAL_MS": str(settings.commit_interval_ms),
        "CREDIT_SESSION_TIMEOUT_MS": "3000",
        "CREDIT_LOG_LEVEL": "INFO",
        "CREDIT_ENGINE": settings.engine,
    }
    for name, topic in settings.topics.model_dump().items():
        env[f"CREDIT_TOPICS__{name.upper()}"] = topic
    return env


class ServiceProcess:
    def __init__(self, settings: Settings, workdir: Path, instance_id: str,
                 env: dict[str, str] | None = None) -> None:  # fmt: skip
        self.settings, self.instance_id = settings, instance_id
        self.port = free_port()
        self.log = workdir / f"{instance_id}-{self.port}.log"
        self.state_dir = workdir / instance_id
        self.env = os.environ | settings_env(settings) | {
            "CREDIT_INSTANCE_ID": instance_id, "CREDIT_HTTP_PORT": str(self.port),
            "CREDIT_HTTP_HOST": "127.0.0.1", "CREDIT_STATE_DIR": str(self.state_dir),
        } | (env or {})  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen([str(BIN), "run"], env=self.env, stdout=sink,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        STARTED.append(self.process)
        return self

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready():
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def settle(settings: Settings, *services: ServiceProcess, timeout: float = 90.0) -> None:
    """Wait until every input and by-root record is committed, twice in a row."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2:
        if time.monotonic() > deadline:
            logs = "\n".join(s.log.read_text()[-2000:] for s in services)
            raise TimeoutError(f"the service did not catch up:\n{logs}")
        time.sleep(0.2)
        idle = all(s.ready() for s in services if s.process and s.process.poll() is None)
        quiet = quiet + 1 if idle and committed_behind(settings) == 0 else 0


def read_committed(settings: Settings, topics: list[str]) -> list[tuple[str, Any]]:
    """Every committed record of ``topics`` from the beginning, to the end."""
    consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers,
                         "group.id": f"check-{time.monotonic_ns()}", "enable.partition.eof": True,
                         "isolation.level": "read_committed"})  # fmt: skip
    assignment = []
    for topic in topics:
        meta = consumer.list_topics(topic, timeout=10).topics[topic]
        assignment += [TopicPartition(topic, p, 0) for p in meta.partitions]
    consumer.assign(assignment)
    pending, found = {(tp.topic, tp.partition) for tp in assignment}, []
    while pending:
        for message in consumer.consume(1000, 1.0):
            error = message.error()
            if error is not None and error.code() == KafkaError._PARTITION_EOF:
                pending.discard((message.topic(), message.partition()))
            elif error is None:
                found.append((message.topic(), message))
    consumer.close()
    return found


def changelog_exposures(settings: Settings) -> dict[tuple[str, str], int]:
    """Each account's exposure as the committed changelog says (latest entry per key)."""
    latest: dict[tuple[int, bytes], bytes | None] = {}  # per partition: a book moves between
    for _, message in read_committed(settings, [settings.topics.changelog]):
        latest[(message.partition(), message.key())] = message.value()
    exposures: dict[tuple[str, str], int] = {}
    for (_, key), value in latest.items():
        if value is not None and is_book_key(key):
            assert account_of(key) not in exposures, f"{key!r} is live in two partitions"
            exposures[account_of(key)] = book_from_bytes(value).exposure(True)
    return exposures


def decision_counts(settings: Settings, codec: Any) -> Counter[str]:
    topics = [settings.topics.orders_approved, settings.topics.orders_held,
              settings.topics.orders_rejected, settings.topics.notifications]  # fmt: skip
    return Counter(codec.decode(topic, m.value())["event_id"]
                   for topic, m in read_committed(settings, topics))  # fmt: skip


def decoded_outputs(settings: Settings, codec: Any) -> list[dict[str, Any]]:
    topics = [settings.topics.orders_approved, settings.topics.orders_held,
              settings.topics.orders_rejected, settings.topics.notifications]  # fmt: skip
    return [codec.decode(topic, m.value()) for topic, m in read_committed(settings, topics)]


def dump(value: Any) -> str:
    return json.dumps(value, default=str)


def deployed(settings: Settings, reference: list[dict[str, Any]], workdir: Path,
             instance_id: str, env: dict[str, str] | None = None,
             ) -> tuple[Any, ServiceProcess]:  # fmt: skip
    """Reference data published, then one service started and ready; returns the publisher."""
    from service.bootstrap import codec_for
    from service.publish import EventPublisher

    publisher = EventPublisher(settings, codec_for(settings))
    publisher.publish(reference)
    publisher.flush()
    service = ServiceProcess(settings, workdir, instance_id, env).start()
    service.wait_ready()
    return publisher, service


def publish_settled(settings: Settings, publisher: Any, phase: list[dict[str, Any]],
                    *services: ServiceProcess) -> None:  # fmt: skip
    """Publish one phase and wait until the services have committed all of it."""
    publisher.publish(phase)
    publisher.flush()
    settle(settings, *services)

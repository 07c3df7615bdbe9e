"""Fixtures for the tests that need a real Kafka broker.

Every test under tests/integration is marked `kafka` (so `pytest -m "not kafka"` skips them).
The broker comes from, in this order:

1. `KAFKA_BOOTSTRAP_SERVERS`, if set (what `make integration` does with the local broker);
2. a Kafka 4.x container in KRaft mode through testcontainers, if a Docker daemon answers a ping
   (`KAFKA_TEST_IMAGE` overrides the image; `KAFKA_TEST_DOCKER=0` skips this step);
3. the project's own broker, `deploy/kafka/kafka.sh start`, stopped again at the end of the
   session unless it was already running before.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION_DIR = ROOT / "tests" / "integration"
KAFKA_SH = ROOT / "deploy" / "kafka" / "kafka.sh"

# testcontainers' KafkaContainer drives the layout of Confluent's cp-kafka image; CP 8.x is
# Apache Kafka 4.x and runs only in KRaft mode.
KAFKA_TEST_IMAGE = os.environ.get("KAFKA_TEST_IMAGE", "confluentinc/cp-kafka:8.2.1")

TopicFactory = Callable[..., str]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kafka: needs a real Kafka broker (tests/integration)")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(INTEGRATION_DIR):
            item.add_marker(pytest.mark.kafka)


def _docker_answers() -> bool:
    if os.environ.get("KAFKA_TEST_DOCKER", "1") == "0":
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _kafka_sh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KAFKA_SH), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _container_broker() -> Iterator[str]:
    from testcontainers.community.kafka import KafkaContainer

    container = KafkaContainer(KAFKA_TEST_IMAGE).with_kraft()
    # One broker: the transaction log must not ask for three replicas; the rest as kafka.sh.
    for key, value in {
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS": "1000",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "4",
    }.items():
        container.with_env(key, value)
    with container:
        yield container.get_bootstrap_server()


def _local_broker() -> Iterator[str]:
    was_running = _kafka_sh("status").returncode == 0
    started = _kafka_sh("start")
    if started.returncode != 0:
        pytest.fail(
            f"{KAFKA_SH} start failed (exit {started.returncode}):\n{started.stderr}",
            pytrace=False,
        )
    try:
        yield _kafka_sh("address").stdout.strip()
    finally:
        if not was_running:
            _kafka_sh("stop")


@pytest.fixture(scope="session")
def bootstrap_servers() -> Iterator[str]:
    """The bootstrap address of a running Kafka 4.x broker for this test session."""
    from_env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if from_env:
        yield from_env
    elif _docker_answers():
        yield from _container_broker()
    else:
        yield from _local_broker()


@pytest.fixture(scope="session")
def admin(bootstrap_servers: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap_servers})


def _wait_for_leaders(admin: AdminClient, topic: str, partitions: int, timeout: float) -> None:
    """CreateTopics returns once the controller has the topic; wait until the broker serves it."""
    deadline = time.monotonic() + timeout
    while True:
        meta = admin.list_topics(topic=topic, timeout=5).topics.get(topic)
        if (
            meta is not None
            and meta.error is None
            and len(meta.partitions) == partitions
            and all(p.leader >= 0 for p in meta.partitions.values())
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic} has no leader for every partition after {timeout}s")
        time.sleep(0.1)


@pytest.fixture
def topic_factory(admin: AdminClient) -> Iterator[TopicFactory]:
    """`topic_factory(partitions=1, prefix="it", config=None)` creates a uniquely named topic and
    returns its name; the topics a test created are deleted after it."""
    created: list[str] = []

    def create(
        partitions: int = 1, prefix: str = "it", config: dict[str, Any] | None = None
    ) -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:12]}"
        topic = NewTopic(
            name,
            num_partitions=partitions,
            replication_factor=1,
            config={k: str(v) for k, v in (config or {}).items()},
        )
        admin.create_topics([topic], operation_timeout=30)[name].result(timeout=30)
        created.append(name)
        _wait_for_leaders(admin, name, partitions, timeout=30)
        return name

    yield create

    if created:
        for future in admin.delete_topics(created, operation_timeout=30).values():
            # Already gone, or the broker went away: nothing left to clean up.
            with contextlib.suppress(KafkaException):
                future.result(timeout=30)


@pytest.fixture(autouse=True)
def _no_service_left_running() -> Iterator[None]:
    """A failed test must not leave `credit-service run` subprocesses behind."""
    yield
    from tests.integration.service_process import STARTED

    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(10)

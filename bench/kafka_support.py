"""Plumbing for ``bench.kafka_bench``: one isolated service deployment per measurement.

A ``Deployment`` is a unique topic-name prefix, application id, HTTP port and state directory,
as ``Settings`` for this process and as ``CREDIT_*`` variables for a ``credit-service run``
subprocess. Events are pre-encoded once (``Encoded``) and produced as raw bytes, so the bench
process stays light on a small machine.
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient

from service.codec import AvroCodec
from service.errors import ConfigurationError
from service.publish import input_topic, native, record_key
from service.runtime.clients import ensure_topics
from service.settings import Settings, Topics

CHECKOUT = Path(__file__).resolve().parents[1]
STARTING_S = 2.0  # the start of phase 2, also reported apart (``Latency.after_start``)
TOPIC_RACES: list[str] = []  # deployments whose ensure_topics failed right after creating

DEFAULT_TOPICS = Topics()
TOPIC_FIELDS = tuple(Topics.model_fields)
_FIELD_OF = {getattr(DEFAULT_TOPICS, name): name for name in TOPIC_FIELDS}


class Encoded(NamedTuple):
    """One input record, ready to produce: the ``Topics`` field it goes to, key and value."""

    topic_field: str
    key: bytes
    value: bytes


def encode_events(codec: AvroCodec, events: Iterable[dict[str, Any]]) -> list[Encoded]:
    """Avro-encode JSON-form events as ``service.publish`` does, once, for any deployment.

    Single-object encoding does not depend on the topic name, so the bytes fit every prefix.
    """
    out = []
    for event in events:
        topic = input_topic(DEFAULT_TOPICS, str(event["event_type"]))
        value = codec.encode(topic, native(event))
        out.append(Encoded(_FIELD_OF[topic], record_key(event).encode(), value))
    return out


def new_run(out: Path) -> tuple[str, Path]:
    """A run id (time and a random suffix) and its own directory under ``out``."""
    run_id = f"{time.strftime('%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    work = out / f"kafka-{run_id}"
    work.mkdir(parents=True, exist_ok=True)
    return run_id, work


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure here."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Deployment:
    """One isolated service deployment on the shared broker."""

    tag: str
    settings: Settings
    log_path: Path

    @classmethod
    def create(
        cls, base: Settings, run_id: str, tag: str, work_dir: Path, **overrides: Any
    ) -> Deployment:
        prefix = f"bench.{run_id}.{tag}"
        topics = Topics(**{name: f"{prefix}.{name}" for name in TOPIC_FIELDS})
        state_dir = work_dir / f"state-{tag}"
        update = {
            "application_id": f"bench-{run_id}-{tag}", "topics": topics, "state_dir": state_dir,
            "http_host": "127.0.0.1", "http_port": free_port(), "schema_registry_url": None,
            "store": "rocksdb", **overrides,
        }  # fmt: skip
        return cls(tag, base.model_copy(update=update), work_dir / f"service-{tag}.log")

    @property
    def topics(self) -> Topics:
        return self.settings.topics

    def topic(self, topic_field: str) -> str:
        return str(getattr(self.settings.topics, topic_field))

    def environment(self) -> dict[str, str]:
        """The process environment for ``credit-service run``: no inherited ``CREDIT_*``."""
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_")}
        env |= {
            "KAFKA_BOOTSTRAP_SERVERS": s.bootstrap_servers,
            "CREDIT_APPLICATION_ID": s.application_id,
            "CREDIT_GUARANTEE": s.guarantee,
            "CREDIT_STATE_DIR": str(s.state_dir),
            "CREDIT_STORE": s.store,
            "CREDIT_HTTP_HOST": s.http_host,
            "CREDIT_HTTP_PORT": str(s.http_port),
            "CREDIT_COMMIT_INTERVAL_MS": str(s.commit_interval_ms),
            "CREDIT_QUIET_COMMIT_MS": str(s.quiet_commit_ms),
            "CREDIT_QUIET_COMMIT_RATIO": str(s.quiet_commit_ratio),
            "CREDIT_PRODUCER_RETRY_BACKOFF_MS": str(s.producer_retry_backoff_ms),
            "CREDIT_PRODUCER_LINGER_MS": str(s.producer_linger_ms),
            "CREDIT_MAX_BATCH": str(s.max_batch),
            "CREDIT_MERGE_WAIT_MS": str(s.merge_wait_ms),
            "CREDIT_DIRECT_DECISIONS": str(s.direct_decisions).lower(),
            "CREDIT_ENGINE": s.engine,
            "CREDIT_BY_ROOT_PARTITIONS": str(s.by_root_partitions),
            "CREDIT_INPUT_PARTITIONS": str(s.input_partitions),
            "CREDIT_LOG_LEVEL": s.log_level,
        }
        env |= {f"CREDIT_TOPICS__{name.upper()}": self.topic(name) for name in TOPIC_FIELDS}
        return env

    def all_topics(self) -> list[str]:
        return [self.topic(name) for name in TOPIC_FIELDS]


def create_topics(settings: Settings, timeout: float = 30.0) -> int:
    """``ensure_topics``, retried while the new topics' metadata is not there yet.

    ``ensure_topics`` checks the internal topics' partition counts right after creating them;
    on a single broker the metadata can still say 0 partitions then. Returns the retries.
    """
    deadline = time.monotonic() + timeout
    retries = 0
    while True:
        try:
            ensure_topics(settings)
            break
        except ConfigurationError as exc:
            if "has 0 partitions" not in str(exc) or time.monotonic() > deadline:
                raise
            retries += 1
            time.sleep(0.2)
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    names = [getattr(settings.topics, name) for name in TOPIC_FIELDS]
    while time.monotonic() < deadline:
        topics = admin.list_topics(timeout=10).topics
        if all(
            name in topics
            and topics[name].error is None
            and topics[name].partitions
            and all(p.leader >= 0 for p in topics[name].partitions.values())
            for name in names
        ):
            return retries
        time.sleep(0.1)
    raise TimeoutError(f"topics of {settings.application_id} have no leaders after {timeout} s")


def delete_topics(settings: Settings, names: Sequence[str]) -> None:
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    existing = set(admin.list_topics(timeout=10).topics)
    doomed = [name for name in names if name in existing]
    for future in (admin.delete_topics(doomed, operation_timeout=30) if doomed else {}).values():
        with contextlib.suppress(KafkaException):
            future.result(30)


@dataclass
class RawProducer:
    """A plain producer of pre-encoded records, configured like ``EventPublisher``."""

    settings: Settings
    linger_ms: int = 20
    failures: list[str] = field(default_factory=list)
    delivered: int = 0

    def __post_init__(self) -> None:
        self.producer = Producer({
            "bootstrap.servers": self.settings.bootstrap_servers, "linger.ms": self.linger_ms,
            "enable.idempotence": True, "queue.buffering.max.messages": 500_000,
            "on_delivery": self._delivered,
        })  # fmt: skip

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            self.delivered += 1
        elif len(self.failures) < 10:
            self.failures.append(f"{message.topic()}: {error}")

    def produce(self, topic: str, key: bytes, value: bytes, partition: int | None = None) -> None:
        while True:
            try:
                if partition is None:
                    self.producer.produce(topic, value, key)
                else:
                    self.producer.produce(topic, value, key, partition)
                return
            except BufferError:
                self.producer.poll(0.05)

    def produce_all(self, deployment: Deployment, records: Iterable[Encoded]) -> int:
        topics = {name: deployment.topic(name) for name in TOPIC_FIELDS}
        count = 0
        for record in records:
            self.produce(topics[record.topic_field], record.key, record.value)
            count += 1
            if count % 2000 == 0:
                self.producer.poll(0)
        return count

    def flush(self, timeout: float = 120.0) -> None:
        remaining = self.producer.flush(timeout)
        if remaining or self.failures:
            raise RuntimeError(f"{remaining} records undelivered; failures: {self.failures[:3]}")


class ServiceProcess:
    """``credit-service run`` as a subprocess of this bench, with its log in a file."""

    def __init__(self, deployment: Deployment,
                 preexec: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.deployment = deployment
        # the service of this checkout (``python -c`` puts its working directory first on
        # the path), not whatever the environment's ``credit-service`` script would import:
        # so that a worktree of an older commit measures its own code
        self.command = [sys.executable, "-c", "from service.cli import app; app()", "run"]
        self._log = deployment.log_path.open("wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command, env=deployment.environment(), stdout=self._log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=CHECKOUT,
            preexec_fn=preexec,
        )  # fmt: skip
        self.pid = self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.deployment.settings.http_port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(
                f"service exited with {self.process.returncode}; log tail:\n{self.log_tail()}"
            )

    def metrics(self) -> dict[str, float]:
        """The Prometheus samples, summed over labels (``{name: value}``), and each one as it
        is (``{'name{labels}': value}``)."""
        try:
            with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
                text = response.read().decode()
        except (urllib.error.URLError, OSError):
            return {}
        totals: dict[str, float] = collections.defaultdict(float)
        for line in text.splitlines():
            match = re.match(r"^([a-z_]+)(\{[^}]*\})? ([-+0-9.eE]+|NaN)$", line)
            if match and match.group(3) != "NaN":
                totals[match.group(1)] += float(match.group(3))
                if match.group(2):
                    totals[match.group(1) + match.group(2)] = float(match.group(3))
        return dict(totals)

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak resident) and VmRSS of the service process, in KiB."""
        found = {}
        with contextlib.suppress(OSError), open(f"/proc/{self.pid}/status") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in ("VmHWM", "VmRSS"):
                    found[name] = int(rest.split()[0])
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time of the service process so far (all its threads)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        try:
            text = self.deployment.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (the service commits and leaves the group), SIGKILL after ``timeout``."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return int(self.process.returncode)


class PySpy:
    """``py-spy record`` of one process into collapsed stacks, summarised by self time."""

    def __init__(self, pid: int, path: Path, rate: int = 50) -> None:
        self.path = path
        binary = Path(sys.executable).with_name("py-spy")
        self.process = subprocess.Popen(
            [str(binary), "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
             "--nonblocking", "--output", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def summary(self, top: int = 12) -> list[tuple[str, float, float]]:
        """``(function, self %, total %)`` of the frames with the most self time."""
        own: collections.Counter[str] = collections.Counter()
        total: collections.Counter[str] = collections.Counter()
        samples = 0
        try:
            lines = self.path.read_text().splitlines()
        except OSError:
            return []
        for line in lines:
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_short_frame(f) for f in stack.split(";")]
            frames = [f for f in frames if f]
            if not frames:
                continue
            samples += count
            own[frames[-1]] += count
            for frame in set(frames):
                total[frame] += count
        if not samples:
            return []
        return [(name, 100 * n / samples, 100 * total[name] / samples)
                for name, n in own.most_common(top)]  # fmt: skip


def _short_frame(frame: str) -> str:
    """``func (path/to/module.py:123)`` as ``func (module.py)``."""
    match = re.match(r"^(.*?) \((.*?)(?::\d+)?\)$", frame.strip())
    if not match:
        return frame.strip()
    name, path = match.groups()
    if name.startswith(("thread", "process")):
        return ""
    return f"{name} ({Path(path).name})"


def topic_retries(settings: Settings) -> None:
    retries = create_topics(settings)
    if retries:
        TOPIC_RACES.append(f"{settings.application_id} ({retries} retries)")
        log(f"ensure_topics said 'has 0 partitions' right after creating the topics of "
            f"{settings.application_id}; retried {retries}x")  # fmt: skip


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted ``values``."""
    if not values:
        return float("nan")
    rank = max(1, math.ceil(q * len(values)))
    return values[min(rank, len(values)) - 1]

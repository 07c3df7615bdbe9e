"""``make demo``: a broker, the service, a generated stream, and a live summary of what it decided.

Starts the local broker (unless ``KAFKA_BOOTSTRAP_SERVERS`` names a cluster), publishes generated
reference data, starts ``credit-service run``, publishes transactions at a steady rate, and shows
decisions, hold reasons, notifications and dead letters as they arrive. Ctrl-C stops everything
it started. Each run uses its own topics (``demo.<run>.credit.*``) and consumer group, so a second
run starts from nothing and a shared cluster's real topics are never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TypeVar

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text
from tqdm import tqdm

from service.loadgen import LoadConfig, reference_events, transaction_events
from service.settings import Settings, Topics

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
KAFKA_SH = ROOT / "deploy" / "kafka" / "kafka.sh"
EXAMPLES = ROOT / "examples" / "events.jsonl"
OUTCOMES = {"order_approved": "approved", "order_held": "held", "order_rejected": "rejected"}
REFERENCE = frozenset({"company_upserted", "warehouse_upserted", "customer_upserted",
                       "group_upserted", "exchange_rate_set"})  # fmt: skip
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0


class DemoError(Exception):
    """Something the demo started did not behave."""


# -- the pure pieces: options, tally, metrics, pacing ------------------------------------------
@dataclass(frozen=True)
class DemoOptions:
    accounts: int = 2_000
    groups: int = 50
    events: int = 20_000
    seed: int = 1
    rate: float = 2_000.0
    seconds: float | None = None
    http_port: int = 18_080
    with_examples: bool = False
    keep_topics: bool = False

    def load_config(self) -> LoadConfig:
        return LoadConfig(seed=self.seed, accounts=self.accounts, groups=self.groups,
                          events=self.events)  # fmt: skip


def parse_args(argv: Sequence[str] | None = None) -> DemoOptions:
    p = argparse.ArgumentParser(prog="python -m service.demo", description=__doc__.split("\n")[0])
    d = DemoOptions()
    p.add_argument("--accounts", type=int, default=d.accounts, help="customer accounts")
    p.add_argument("--groups", type=int, default=d.groups, help="credit groups")
    p.add_argument("--events", type=int, default=d.events, help="transactions to publish")
    p.add_argument("--seed", type=int, default=d.seed, help="load generator seed")
    p.add_argument("--rate", type=float, default=d.rate, help="events per second (0: no limit)")
    p.add_argument("--seconds", type=float, default=None,
                   help="exit this long after the last event is published (default: Ctrl-C)")
    p.add_argument("--http-port", type=int, default=d.http_port, help="the service's HTTP port")
    p.add_argument("--with-examples", action="store_true",
                   help="also publish the reference lines of examples/events.jsonl")
    p.add_argument("--keep-topics", action="store_true", help="do not delete the run's topics")
    args = p.parse_args(argv)
    for name in ("accounts", "events"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if args.rate < 0 or (args.seconds is not None and args.seconds < 0):
        p.error("--rate and --seconds cannot be negative")
    return DemoOptions(**vars(args))


@dataclass
class Tally:
    """What the service published, counted: decisions by outcome, hold reasons, notifications."""

    outcomes: Counter[str] = field(default_factory=Counter)
    hold_reasons: Counter[str] = field(default_factory=Counter)
    notifications: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0
    duplicates: int = 0
    seen: set[str] = field(default_factory=set, repr=False)

    def add(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event_type")
        if kind == "dead_letter":
            self.dead_letters += 1
            return
        event_id = event.get("event_id")
        if event_id is not None:
            if event_id in self.seen:
                self.duplicates += 1
                return
            self.seen.add(str(event_id))
        if kind in OUTCOMES:
            self.outcomes[OUTCOMES[str(kind)]] += 1
        if kind == "order_held":
            self.hold_reasons.update(str(r.get("code")) for r in event.get("reasons") or [])
        elif kind == "credit_notification":
            self.notifications[str(event.get("kind"))] += 1

    @property
    def decisions(self) -> int:
        return sum(self.outcomes.values())


def tally(events: Iterable[Mapping[str, Any]]) -> Tally:
    result = Tally()
    for event in events:
        result.add(event)
    return result


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format: each sample name (labels dropped) with its values summed."""
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_part, _, value = line.rpartition(" ")
        name = name_part.split("{", 1)[0].strip()
        try:
            sums[name] = sums.get(name, 0.0) + float(value)
        except ValueError:
            continue
    return sums


def paced(items: Iterable[T], rate: float, stop: threading.Event,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[T]:  # fmt: skip
    """``items`` no faster than ``rate`` a second (0: as fast as asked), until ``stop`` is set."""
    start = clock()
    for n, item in enumerate(items):
        if stop.is_set():
            return
        ahead = start + n / rate - clock() if rate > 0 else 0.0
        if ahead > 0.005:
            sleep(ahead)
        yield item


def demo_topics(prefix: str, base: Topics | None = None) -> Topics:
    """Every topic name with ``prefix`` in front: this run's own topics."""
    names = (base or Topics()).model_dump()
    return Topics(**{key: f"{prefix}{name}" for key, name in names.items()})


# -- the live summary --------------------------------------------------------------------------
@dataclass
class Status:
    phase: str = "starting"
    ready: bool | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    bar: str = ""


def _counter_table(title: str, head: str, counts: Counter[str], total: int | None = None) -> Table:
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column(head)
    table.add_column("count", justify="right")
    if total is not None:
        table.add_column("share", justify="right")
    for key, count in counts.most_common():
        share = [f"{100 * count / total:.1f}%"] if total else ([] if total is None else ["-"])
        table.add_row(key, f"{count:,}", *share)
    return table


def _service_table(tally_: Tally, status: Status) -> Table:
    m, table = status.metrics, Table(title="Service", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    ready = {None: "[dim]unknown[/]", True: "[green]ready[/]", False: "[yellow]not ready[/]"}
    table.add_row("/readyz", ready[status.ready])
    count = m.get("credit_decision_latency_seconds_count", 0.0)
    latency = 1000 * m.get("credit_decision_latency_seconds_sum", 0.0) / count if count else 0.0
    table.add_row("events in", f"{m.get('credit_events_in_total', 0):,.0f}")
    table.add_row("consumer lag", f"{m.get('credit_consumer_lag_records', 0):,.0f}")
    table.add_row("decide (mean ms)", f"{latency:.3f}")
    table.add_row("dead letters", f"{tally_.dead_letters:,}")
    table.add_row("duplicates seen", f"{tally_.duplicates:,}")
    return table


def render(tally_: Tally, status: Status) -> RenderableType:
    outcomes = Counter({k: tally_.outcomes[k] for k in ("approved", "held", "rejected")})
    grid = Table.grid(padding=(0, 3))
    grid.add_row(_counter_table("Decisions", "outcome", outcomes, tally_.decisions),
                 _counter_table("Hold reasons", "code", tally_.hold_reasons),
                 _counter_table("Notifications", "kind", tally_.notifications),
                 _service_table(tally_, status))  # fmt: skip
    header = Text.assemble(("credit-service demo", "bold"), f"  {status.phase}")
    return Group(header, Text(status.bar), grid)


# -- the processes: broker and service ---------------------------------------------------------
def _kafka(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KAFKA_SH), command], text=True, stdout=subprocess.PIPE, check=False)


@dataclass
class Broker:
    address: str = ""
    owned: bool = False

    def start(self, console: Console) -> None:
        if external := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            self.address = external
            console.print(f"using the cluster at {external} (KAFKA_BOOTSTRAP_SERVERS)")
            return
        self.address = _kafka("address").stdout.strip()
        if _kafka("status").returncode == 0:
            console.print(f"using the local broker already running on {self.address}")
            return
        console.print(f"starting the local broker on {self.address} ...")
        self.owned = True  # from here on, stopping it is ours to do
        if _kafka("start").returncode != 0:
            raise DemoError("deploy/kafka/kafka.sh start failed (see above)")

    def stop(self) -> None:
        if self.owned:
            _kafka("stop")
            self.owned = False


def service_command() -> list[str]:
    script = Path(sys.executable).with_name("credit-service")
    if script.exists():
        return [str(script), "run"]
    return [sys.executable, "-c", "from service.cli import app; app(prog_name='credit-service')",
            "run"]  # fmt: skip


def service_env(settings: Settings, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_TOPICS")}
    return env | {
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "CREDIT_APPLICATION_ID": settings.application_id,
        "CREDIT_TOPICS": settings.topics.model_dump_json(),
        "CREDIT_STATE_DIR": str(workdir / "state"),
        "CREDIT_HTTP_HOST": "127.0.0.1",
        "CREDIT_HTTP_PORT": str(settings.http_port),
    }


def start_service(settings: Settings, workdir: Path) -> subprocess.Popen[bytes]:
    with (workdir / "service.log").open("wb") as log:
        return subprocess.Popen(service_command(), cwd=ROOT, env=service_env(settings, workdir),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop_service(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def http_status(port: int) -> tuple[bool | None, dict[str, float]]:
    base = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=0.5) as response:
            metrics = parse_metrics(response.read().decode())
    except OSError:
        return None, {}
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=0.5) as response:
            return response.status == 200, metrics
    except OSError:  # HTTPError 503 included
        return False, metrics


def delete_topics(settings: Settings) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    names = list(dict.fromkeys(settings.topics.model_dump().values()))
    for future in admin.delete_topics(names, operation_timeout=10).values():
        try:
            future.result(15)
        except Exception:  # best effort: the broker may be going away
            pass


# -- publishing --------------------------------------------------------------------------------
class _Sink:
    """tqdm writes here; the live summary shows ``str(bar)`` instead."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def example_reference() -> list[dict[str, Any]]:
    lines = (json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip())
    return [event for event in lines if event["event_type"] in REFERENCE]


class Feeder(threading.Thread):
    """Publishes the transactions at the set pace once the service is ready."""

    def __init__(self, settings: Settings, options: DemoOptions, bar: tqdm[Any]) -> None:
        super().__init__(name="feeder", daemon=True)
        from service.bootstrap import codec_for
        from service.publish import EventPublisher

        self.publisher = EventPublisher(settings, codec_for(settings))
        self.options, self.bar, self.port = options, bar, settings.http_port
        self.stop, self.done = threading.Event(), threading.Event()
        self.phase, self.error = "waiting for the service to be ready", None | BaseException

    def publish_reference(self) -> int:
        events = list(reference_events(self.options.load_config()))
        events += example_reference() if self.options.with_examples else []
        count = self.publisher.publish(self._counted(events))
        self.publisher.flush()
        return count

    def _counted(self, events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for event in events:
            yield event
            self.bar.update(1)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.stop.is_set() and time.monotonic() < deadline:
            if http_status(self.port)[0]:
                return
            time.sleep(0.5)

    def run(self) -> None:
        try:
            self._wait_ready()
            self.phase = f"publishing transactions at {self.options.rate:,.0f}/s"
            stream = transaction_events(self.options.load_config())
            self.publisher.publish(self._counted(paced(stream, self.options.rate, self.stop)))
            self.publisher.flush()
            self.phase = "all events published; watching (Ctrl-C to stop)"
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            self.done.set()


# -- the run -----------------------------------------------------------------------------------
def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def _settings(address: str, options: DemoOptions, run_id: str) -> Settings:
    base = Settings()
    return base.model_copy(update={
        "bootstrap_servers": address, "application_id": f"credit-demo-{run_id}",
        "topics": demo_topics(f"demo.{run_id}.", base.topics), "http_port": options.http_port,
    })  # fmt: skip


class Demo:
    def __init__(self, options: DemoOptions, console: Console) -> None:
        self.options, self.console = options, console
        self.broker, self.workdir = Broker(), Path(tempfile.mkdtemp(prefix="credit-demo-"))
        self.settings: Settings | None = None
        self.service: subprocess.Popen[bytes] | None = None
        self.feeder: Feeder | None = None
        self.tally, self.status = Tally(), Status()
        self.bar = tqdm(total=0, file=_Sink(), ncols=90, unit="ev", ascii=False, mininterval=0)

    def prepare(self) -> None:
        from service.runtime.clients import ensure_topics

        self.broker.start(self.console)
        self.settings = settings = _settings(self.broker.address, self.options, str(os.getpid()))
        ensure_topics(settings)
        self.console.print(f"topics: {settings.topics.orders_created} and the rest of demo.*")
        self.feeder = Feeder(settings, self.options, self.bar)
        self.bar.total = self.options.events  # about: transactions plus a few profile changes
        count = self.feeder.publish_reference()
        self.bar.total += count
        self.console.print(f"published {count:,} reference events")
        self.service = start_service(settings, self.workdir)
        self.console.print(f"service started (pid {self.service.pid}); its log: "
                           f"{self.workdir / 'service.log'}")  # fmt: skip

    def watch(self) -> None:
        from service.bootstrap import codec_for
        from service.watch import OutputWatcher

        assert self.settings is not None and self.feeder is not None
        watcher = OutputWatcher(self.settings, codec_for(self.settings), from_end=False)
        try:
            self.feeder.start()
            with Live(self._view(), console=self.console, refresh_per_second=4) as live:
                self._loop(watcher, live)
        finally:
            watcher.close()

    def _loop(self, watcher: Any, live: Live) -> None:
        deadline, polled = None, 0.0
        while deadline is None or time.monotonic() < deadline:
            for _topic, event, _message in watcher.poll(timeout=0.25):
                self.tally.add(event)
            if time.monotonic() - polled >= 1.0:
                self.status.ready, self.status.metrics = http_status(self.options.http_port)
                polled = time.monotonic()
            self._check()
            if deadline is None and self.feeder and self.feeder.done.is_set():
                seconds = self.options.seconds
                deadline = None if seconds is None else time.monotonic() + seconds
            live.update(self._view())

    def _check(self) -> None:
        assert self.feeder is not None and self.service is not None
        if self.feeder.error is not None:
            raise DemoError(f"publishing failed: {self.feeder.error}")
        if (code := self.service.poll()) is not None:
            raise DemoError(f"the service exited with {code}; see {self.workdir / 'service.log'}")

    def _view(self) -> RenderableType:
        self.status.phase = self.feeder.phase if self.feeder else "starting"
        self.status.bar = str(self.bar)
        return render(self.tally, self.status)

    def cleanup(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # let the clean-up finish
        self.console.print("stopping ...")
        if self.feeder is not None:
            self.feeder.stop.set()
            self.feeder.join(5)
        if self.service is not None:
            self.console.print(f"service stopped (exit {stop_service(self.service)})")
        if self.settings is not None and not self.options.keep_topics:
            delete_topics(self.settings)
        self.broker.stop()
        shutil.rmtree(self.workdir / "state", ignore_errors=True)
        self.console.print(f"service log kept at {self.workdir / 'service.log'}")


def run(options: DemoOptions, console: Console | None = None) -> int:
    demo = Demo(options, console or Console())
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        demo.prepare()
        demo.watch()
        return 0
    except KeyboardInterrupt:
        return 0
    except DemoError as exc:
        demo.console.print(f"[red]demo: {exc}[/]")
        return 1
    finally:
        demo.cleanup()


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(run(parse_args(argv)))


if __name__ == "__main__":
    main()

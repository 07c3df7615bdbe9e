"""``make demo``: the local broker (unless ``KAFKA_BOOTSTRAP_SERVERS`` is set), the service, a
generated stream published at a steady rate, and a live summary of what the service decided.
Ctrl-C stops what it started. Each run has its own topics (``demo.<pid>.credit.*``, deleted at the
end) and consumer group: a rerun starts from nothing and a cluster's real topics are untouched."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from confluent_kafka.admin import AdminClient
from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text
from tqdm import tqdm

from service.bootstrap import codec_for
from service.errors import ConfigurationError, CreditServiceError
from service.loadgen import Event, LoadConfig, reference_events, transaction_events
from service.publish import EventPublisher
from service.runtime.clients import ensure_topics
from service.settings import Settings, Topics
from service.watch import OutputWatcher

ROOT = Path(__file__).resolve().parents[1]
KAFKA_SH = ROOT / "deploy" / "kafka" / "kafka.sh"
OUTCOMES = {"order_approved": "approved", "order_held": "held", "order_rejected": "rejected"}
READY_TIMEOUT_S, STOP_TIMEOUT_S = 120.0, 15.0
COMPACT: dict[str, Any] = {"box": box.SIMPLE_HEAD, "show_edge": False, "title_style": "bold"}
CLI = "from service.cli import app; app(prog_name='credit-service')"


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
    keep_topics: bool = False

    def load_config(self) -> LoadConfig:
        return LoadConfig(seed=self.seed, accounts=self.accounts, groups=self.groups,
                          events=self.events)  # fmt: skip


FLAGS: list[tuple[str, type, str]] = [
    ("accounts", int, "customer accounts"),
    ("groups", int, "credit groups"),
    ("events", int, "transactions to publish (reference data comes on top)"),
    ("seed", int, "load generator seed"),
    ("rate", float, "events published a second (0: no limit)"),
    ("seconds", float, "exit this long after the last event is published (default: at Ctrl-C)"),
    ("http-port", int, "the service's HTTP port (/readyz, /metrics)"),
]


def parse_args(argv: Sequence[str] | None = None) -> DemoOptions:
    parser = argparse.ArgumentParser(prog="python -m service.demo", description=__doc__)
    defaults = DemoOptions()
    for flag, kind, text in FLAGS:
        default = getattr(defaults, flag.replace("-", "_"))
        parser.add_argument(f"--{flag}", type=kind, default=default, help=f"{text} [{default}]")
    parser.add_argument("--keep-topics", action="store_true", help="keep this run's topics")
    options = DemoOptions(**vars(parser.parse_args(argv)))
    if min(options.accounts, options.events) < 1 or min(options.groups, options.rate) < 0:
        parser.error("--accounts and --events must be at least 1; --groups, --rate at least 0")
    if options.seconds is not None and options.seconds < 0:
        parser.error("--seconds cannot be negative")
    return options


@dataclass
class Tally:
    """What the service published, counted: decisions by outcome, hold reasons, notifications."""

    outcomes: Counter[str] = field(default_factory=Counter)
    hold_reasons: Counter[str] = field(default_factory=Counter)
    notifications: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0
    duplicates: int = 0  # the same output event id twice: exactly-once says never
    seen: set[str] = field(default_factory=set, repr=False)

    def add(self, event: Mapping[str, Any]) -> None:
        kind, event_id = event.get("event_type"), event.get("event_id")
        if kind == "dead_letter":
            self.dead_letters += 1
            return
        if event_id is not None:
            if str(event_id) in self.seen:
                self.duplicates += 1
                return
            self.seen.add(str(event_id))
        if kind in OUTCOMES:
            self.outcomes[OUTCOMES[str(kind)]] += 1
        if kind == "order_held":
            self.hold_reasons.update(str(r.get("code")) for r in event.get("reasons") or [])
        elif kind == "credit_notification":
            self.notifications[str(event.get("kind"))] += 1


def tally(events: Iterable[Mapping[str, Any]]) -> Tally:
    result = Tally()
    for event in events:
        result.add(event)
    return result


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format: each sample name (labels dropped) with its values summed."""
    sums: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        name = name.split("{", 1)[0].strip()
        if line.startswith("#") or not name:
            continue
        with contextlib.suppress(ValueError):
            sums[name] = sums.get(name, 0.0) + float(value)
    return sums


def paced(items: Iterable[Event], rate: float, stop: threading.Event,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[Event]:  # fmt: skip
    """``items`` no faster than ``rate`` a second (0: no limit), until ``stop`` is set."""
    start = clock()
    for n, item in enumerate(items):
        if stop.is_set():
            return
        ahead = start + n / rate - clock() if rate > 0 else 0.0
        if ahead > 0.005:
            sleep(ahead)
        yield item


# -- the live summary --------------------------------------------------------------------------
def _counts(title: str, head: str, counts: Counter[str], total: int | None = None) -> Table:
    table = Table(title=title, title_justify="left", min_width=24, **COMPACT)
    table.add_column(head)
    table.add_column("count", justify="right")
    if total is not None:
        table.add_column("share", justify="right")
    for key, count in counts.most_common(10):  # a 24-line terminal shows it all
        share = [] if total is None else [f"{100 * count / total:.1f}%" if total else "-"]
        table.add_row(key, f"{count:,}", *share)
    return table


def _service(tally_: Tally, ready: bool | None, m: Mapping[str, float]) -> Table:
    table = Table(title="Service", title_justify="left", show_header=False, min_width=24, **COMPACT)
    count = m.get("credit_decision_latency_seconds_count", 0.0)
    latency = 1000 * m.get("credit_decision_latency_seconds_sum", 0.0) / count if count else 0.0
    answer = {None: "[dim]no answer[/]", True: "[green]ready[/]", False: "[yellow]not ready[/]"}
    rows = [("/readyz", answer[ready]),
            ("events in", f"{m.get('credit_events_in_total', 0):,.0f}"),
            ("consumer lag", f"{m.get('credit_consumer_lag_records', 0):,.0f}"),
            ("decide, mean ms", f"{latency:.3f}"),
            ("dead letters", f"{tally_.dead_letters:,}"),
            ("duplicate outputs", f"{tally_.duplicates:,}")]  # fmt: skip
    for name, value in rows:
        table.add_row(name, Text.from_markup(value, justify="right"))
    return table


def render(tally_: Tally, phase: str, bar: str, ready: bool | None = None,
           metrics: Mapping[str, float] | None = None) -> RenderableType:  # fmt: skip
    outcomes = Counter({k: tally_.outcomes[k] for k in ("approved", "held", "rejected")})
    grid = Table.grid(padding=(0, 3))
    grid.add_row(_counts("Decisions", "outcome", outcomes, outcomes.total()),
                 _service(tally_, ready, metrics or {}))  # fmt: skip
    grid.add_row(_counts("Hold reasons", "code", tally_.hold_reasons),
                 _counts("Notifications", "kind", tally_.notifications))  # fmt: skip
    return Group(Text.assemble(("credit-service demo: ", "bold"), phase), Text(bar), grid)


# -- the processes: broker and service ---------------------------------------------------------
def _kafka(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KAFKA_SH), command], text=True, stdout=subprocess.PIPE, check=False)


def find_broker(console: Console) -> tuple[str, bool]:
    """The bootstrap address, and whether the local broker needs starting (and stopping)."""
    if external := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        console.print(f"using the cluster at {external} (KAFKA_BOOTSTRAP_SERVERS)")
        return external, False
    address = _kafka("address").stdout.strip()
    if _kafka("status").returncode == 0:
        console.print(f"using the local broker already running on {address}")
        return address, False
    console.print(f"starting the local broker on {address} ...")
    return address, True


def service_env(s: Settings, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_TOPICS")}
    return env | {
        "KAFKA_BOOTSTRAP_SERVERS": s.bootstrap_servers, "CREDIT_STATE_DIR": str(workdir / "state"),
        "CREDIT_APPLICATION_ID": s.application_id, "CREDIT_TOPICS": s.topics.model_dump_json(),
        "CREDIT_HTTP_HOST": "127.0.0.1", "CREDIT_HTTP_PORT": str(s.http_port),
    }  # fmt: skip


def start_service(settings: Settings, workdir: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("credit-service")  # else the same app, via -c
    command = [str(script)] if script.exists() else [sys.executable, "-c", CLI]
    with (workdir / "service.log").open("wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen([*command, "run"], cwd=ROOT, env=service_env(settings, workdir),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop_service(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)  # nothing if it has exited already
    with contextlib.suppress(subprocess.TimeoutExpired):
        return process.wait(STOP_TIMEOUT_S)
    process.kill()
    return process.wait()


def http_status(port: int) -> tuple[bool | None, dict[str, float]]:
    """(ready, metrics) from the service; ready is None while it does not answer."""
    base, metrics = f"http://127.0.0.1:{port}", dict[str, float]()
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=0.5) as response:
            metrics = parse_metrics(response.read().decode())
        with urllib.request.urlopen(f"{base}/readyz", timeout=0.5) as response:
            return response.status == 200, metrics
    except urllib.error.HTTPError:  # 503: answering, not ready
        return False, metrics
    except OSError:
        return None, {}


def make_topics(settings: Settings, tries: int = 5) -> None:
    for _ in range(tries - 1):  # a fresh broker's metadata can lag the topics it just created
        with contextlib.suppress(ConfigurationError):
            ensure_topics(settings)
            return
        time.sleep(1.0)
    ensure_topics(settings)


def delete_topics(settings: Settings) -> None:
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers, "log_level": 3})
    names = list(dict.fromkeys(settings.topics.model_dump().values()))
    for future in admin.delete_topics(names, operation_timeout=10).values():
        with contextlib.suppress(Exception):  # best effort: the broker may be going away
            future.result(15)


# -- the run -----------------------------------------------------------------------------------
def demo_settings(address: str, options: DemoOptions, run_id: str) -> Settings:
    """This run's own topics (``demo.<run_id>.credit.*``) and consumer group."""
    base = Settings()
    topics = {k: f"demo.{run_id}.{v}" for k, v in base.topics.model_dump().items()}
    return base.model_copy(update={
        "bootstrap_servers": address, "application_id": f"credit-demo-{run_id}",
        "topics": Topics(**topics), "http_port": options.http_port,
    })  # fmt: skip


class Demo:
    """Broker, topics, reference data, service; then transactions (on a thread) and the summary."""

    def __init__(self, options: DemoOptions, console: Console) -> None:
        self.options, self.console = options, console
        self.workdir = Path(tempfile.mkdtemp(prefix="credit-demo-"))
        self.log, self.settings = self.workdir / "service.log", Settings()
        self.own_broker = self.own_topics = False  # what the clean-up must undo
        self.service: subprocess.Popen[bytes] | None = None
        self.feeder = threading.Thread(target=self._feed, name="feeder", daemon=True)
        self.stop, self.done, self.serving = threading.Event(), threading.Event(), threading.Event()
        self.error, self.bar_text, self.watcher = "", "", cast(OutputWatcher | None, None)
        self.bar: tqdm[Event] | None = None  # publishing the transactions
        self.phase, self.tally = "waiting for the service to be ready", Tally()
        self.ready, self.metrics = cast(bool | None, None), dict[str, float]()

    def prepare(self) -> None:
        address, self.own_broker = find_broker(self.console)
        if self.own_broker and _kafka("start").returncode != 0:
            raise DemoError("deploy/kafka/kafka.sh start failed (see above)")
        self.settings = demo_settings(address, self.options, str(os.getpid()))
        self.own_topics = not self.options.keep_topics
        make_topics(self.settings)
        self.watcher = OutputWatcher(self.settings, codec_for(self.settings), from_end=False)
        self.console.print(f"this run's topics: {self.settings.topics.orders_created} etc.")
        self.publisher = EventPublisher(self.settings, codec_for(self.settings))
        events = list(reference_events(self.options.load_config()))
        self.publisher.publish(events)
        self.publisher.flush()  # all reference data is in before the service starts
        self.console.print(f"published {len(events):,} reference events")
        self.service = start_service(self.settings, self.workdir)
        self.console.print(f"service started (pid {self.service.pid}), its log: {self.log}")
        self.feeder.start()

    def _feed(self) -> None:
        try:
            config, rate = self.options.load_config(), self.options.rate
            n = sum(1 for _ in transaction_events(config))  # for the progress bar
            self.serving.wait(READY_TIMEOUT_S)  # set by the main loop on the first ready answer
            self.phase = f"publishing transactions, {rate:,.0f}/s"
            stream = paced(transaction_events(config), rate, self.stop)
            self.bar = tqdm(stream, total=n, file=io.StringIO(), ncols=80, unit="ev", ascii=False)
            self.publisher.publish(self.bar)
            self.publisher.flush()
            self.bar_text = str(self.bar)  # frozen: its clock would run on
            self.phase = "all published; watching (Ctrl-C to stop)"
        except Exception as exc:  # reported by the main thread
            self.error = repr(exc)
        finally:
            self.done.set()

    def loop(self, live: Live) -> None:
        deadline, asked = None, 0.0
        while deadline is None or time.monotonic() < deadline:
            for _topic, event, _message in cast(OutputWatcher, self.watcher).poll(timeout=0.25):
                self.tally.add(event)
            if time.monotonic() - asked >= 1.0:
                self.ready, self.metrics = http_status(self.options.http_port)
                asked = time.monotonic()
                if self.ready:
                    self.serving.set()
            if self.error:
                raise DemoError(f"publishing failed: {self.error}")
            if self.service is not None and (code := self.service.poll()) is not None:
                raise DemoError(f"the service exited with code {code}; its log: {self.log}")
            if deadline is None and self.options.seconds is not None and self.done.is_set():
                deadline = time.monotonic() + self.options.seconds
            bar = self.bar_text or ("" if self.bar is None else str(self.bar))
            live.update(render(self.tally, self.phase, bar, self.ready, self.metrics))

    def cleanup(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        self.console.print("\nstopping ...")
        self.stop.set()
        self.serving.set()  # the feeder may still be waiting for the service
        if self.feeder.is_alive():
            self.feeder.join(5)
        vars(self).pop("publisher", None)  # its producer goes (quietly) before the broker does
        if self.service is not None:
            self.console.print(f"service stopped (exit code {stop_service(self.service)})")
        if self.watcher is not None:
            self.watcher.close()
        if self.own_topics:
            delete_topics(self.settings)
        if self.own_broker:
            _kafka("stop")
        shutil.rmtree(self.workdir / "state", ignore_errors=True)
        if self.log.exists():
            self.console.print(f"the service's log is kept at {self.log}")


def run(options: DemoOptions, console: Console | None = None) -> int:
    demo = Demo(options, console or Console())
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)  # raise KeyboardInterrupt
    try:
        demo.prepare()
        with Live(Text(demo.phase), console=demo.console, refresh_per_second=4) as live:
            demo.loop(live)
        return 0
    except KeyboardInterrupt:
        return 0
    except (DemoError, CreditServiceError) as exc:
        demo.console.print(f"[red]demo: {exc}[/]")
        return 1
    finally:
        demo.cleanup()


if __name__ == "__main__":
    sys.exit(run(parse_args()))

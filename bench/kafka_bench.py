"""Service benchmark on a real broker (``make bench-kafka``): ``credit-service run`` end to end.

Needs ``KAFKA_BOOTSTRAP_SERVERS`` (the Makefile target starts the local broker and sets it).
Every measurement gets its own deployment: topics under a unique prefix
``bench.<run>.<tag>.*``, its own ``CREDIT_APPLICATION_ID``, state directory and HTTP port. The
topics are deleted afterwards (``--keep`` keeps them and the state directories).

Phases (``--phases``, default all):

1. ``throughput``, for each guarantee (exactly_once and at_least_once by default): the
   reference data (``--accounts``) and a backlog of ``--backlog`` transaction events from
   ``service.loadgen`` are published *before* the service starts; then ``credit-service run``
   starts, and the clock runs from its readiness (``/readyz``) until every decision of the
   backlog's ``order_created`` events (event id ``<input id>:decision``) has been read,
   ``read_committed``, from the approved and held topics. decisions/s = decisions / that time.
2. ``latency``: a fresh deployment with the reference data, the service started and ready; then
   ``--rate`` events/s for ``--duration`` s, pre-encoded, from a paced publisher thread that
   records when it hands each order to the producer; the watcher records when each decision is
   read (read_committed, so committed). latency = read - produced: p50, p99, max.
3. ``restore``: ``--restore-accounts`` account books (an open order, an open invoice, a short id
   log) produced straight into a changelog topic, then ``restore_partitions`` (one reader, as
   the service restores) into fresh RocksDB stores for every partition ("changelog → store")
   and ``processor.assign`` of every store ("store → memory"), and the first
   ``processor.flush`` after that ``assign``. Then ``bench.reference_load``: a reference table
   of as many customers, read in full by ``KafkaRuntime._start`` as every starting instance
   does (``--no-reference-load`` skips it).

Before the phases, ``--warmup`` seconds (default 20; 0: none) of phase 2's paced load run through
a deployment of their own, whose figures are not reported: a broker's JVM compiles its hot code
in its first minutes, and on a shared machine that compiler takes the cores the service needs.
On this 2-core machine a freshly started local broker spent 39.2 s of CPU in its C2 compiler
thread over its start and first latency run, a third of the 112 s it used in all; phase 2 on a
fresh broker gave p50 / p99 312 / 994 and 349 / 977 ms cold, 247 / 569 and 245 / 597 ms after
this warm-up (alternated, 2026-12-07). A production broker that has run for a while has long
since compiled; ``--warmup 0`` measures a cold one.

Peak RSS of the service process (VmHWM) is read before it is stopped (phases 1 and 2), with
its CPU time while measured (decisions per CPU-second hardly depend on what else the machine
runs; the 1-minute load average is printed next to each figure). Service logs, the per-order
latencies (``latency.csv``) and ``--py-spy`` profiles are kept in ``bench/out/kafka-<run>/``.

``--service-cpus 1`` runs the service on CPU 1 and this bench and the local broker on the
others (``bench/cpu_placement.py``); by default every process shares every CPU.

Defaults take about 3-4 minutes on 2 cores. Smaller runs: e.g.
``--accounts 2000 --backlog 20000 --duration 5 --restore-accounts 50000``, or ``--phases``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Message

from bench import broker_storage, decision_ids
from bench.collector import paused_collector
from bench.cpu_placement import parse_cpus, pinning, placed
from bench.kafka_floor import Floor, measure, transaction_records
from bench.kafka_report import report
from bench.kafka_support import (
    STARTING_S,
    Deployment,
    Encoded,
    PySpy,
    RawProducer,
    ServiceProcess,
    delete_topics,
    encode_events,
    load_average,
    log,
    new_run,
    quantile,
    topic_retries,
)
from bench.restore_phase import restore
from service.bootstrap import codec_for
from service.codec import AvroCodec
from service.loadgen import LoadConfig, reference_events, transaction_events
from service.settings import Settings
from service.watch import OutputWatcher

OUT = Path(__file__).resolve().parent / "out"
# flags that set the Settings field of their name as given (``--merge-wait-ms`` ->
# ``merge_wait_ms``), when given
SETTING_FLAGS = ("merge_wait_ms", "quiet_commit_ms", "quiet_commit_ratio",
                 "producer_retry_backoff_ms", "producer_linger_ms", "engine")  # fmt: skip
GUARANTEES = ("exactly_once", "at_least_once")
PHASES = ("throughput", "latency", "restore")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.kafka_bench", description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )  # fmt: skip
    add = parser.add_argument
    add("--phases", default=",".join(PHASES), help="comma list of " + ", ".join(PHASES))
    add("--guarantees", default=",".join(GUARANTEES), help="phase 1, comma list")
    add("--latency-guarantee", default="exactly_once", choices=GUARANTEES)
    add("--accounts", type=int, default=20_000, help="customer accounts (reference data)")
    add("--groups", type=int, default=None, help="credit groups (default accounts / 50)")
    add("--backlog", type=int, default=200_000, help="phase 1: transaction events")
    add("--rate", type=float, default=10_000.0, help="phase 2: offered events/s")
    add("--duration", type=float, default=20.0, help="phase 2: seconds of paced publishing")
    add("--warmup", type=float, default=20.0,
        help="seconds of phase 2's load before the phases, not reported (0: none)")  # fmt: skip
    add("--restore-accounts", type=int, default=1_000_000, help="phase 3: books")
    add("--partitions", type=int, default=None, help="by-root and input partitions")
    add("--commit-interval-ms", type=int, default=None, help="CREDIT_COMMIT_INTERVAL_MS")
    add("--merge-wait-ms", type=int, default=None, help="CREDIT_MERGE_WAIT_MS")
    add("--quiet-commit-ms", type=int, default=None, help="CREDIT_QUIET_COMMIT_MS (0: off)")
    add("--quiet-commit-ratio", type=float, default=None, help="CREDIT_QUIET_COMMIT_RATIO")
    add("--producer-retry-backoff-ms", type=int, default=None,
        help="CREDIT_PRODUCER_RETRY_BACKOFF_MS")  # fmt: skip
    add("--producer-linger-ms", type=int, default=None, help="CREDIT_PRODUCER_LINGER_MS")
    add(
        "--direct-decisions",
        choices=("on", "off"),
        default=None,
        help="CREDIT_DIRECT_DECISIONS: inputs decided where read when they may be (default on)",
    )
    add("--engine", choices=("python", "native"), default=None,
        help="CREDIT_ENGINE: the engine that decides (default python)")  # fmt: skip
    add("--seed", type=int, default=11)
    add("--event-types", default=None,
        help="comma list: publish only these transaction types (other inputs idle)")  # fmt: skip
    add("--stall-timeout", type=float, default=60.0,
        help="give up when no decision arrives for this long")  # fmt: skip
    add("--py-spy", action="store_true", help="profile the service (phases 1-2) with py-spy")
    add("--restore-api", choices=("partition", "partitions"), default="partitions",
        help="phase 3: restore_partitions (one reader, as the service restores), or "
        "restore_partition per partition (older service code)")  # fmt: skip
    add(
        "--no-reference-load",
        action="store_true",
        help="phase 3: skip loading a reference table of --restore-accounts customers",
    )
    add("--profile-restore", action="store_true",
        help="phase 3 under cProfile (slower); prints where the time goes")  # fmt: skip
    add("--service-cpus", type=parse_cpus, default=None,
        help="run the service on these CPUs (e.g. 1), this bench and the local broker on the "
        "others (bench/cpu_placement.py); default: every process shares every CPU")  # fmt: skip
    add("--keep", action="store_true", help="keep topics and state directories")
    args = parser.parse_args(argv)
    args.phases = _choices(args.phases, PHASES, parser)
    args.guarantees = _choices(args.guarantees, GUARANTEES, parser)
    args.groups = args.accounts // 50 if args.groups is None else args.groups
    return args


def _choices(text: str, allowed: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    for item in chosen:
        if item not in allowed:
            parser.error(f"{item!r} is not one of {', '.join(allowed)}")
    return chosen


# -- the workload ---------------------------------------------------------------------------


@dataclass
class Workload:
    """Pre-encoded reference data and transactions; decision ids of the orders by index."""

    config: LoadConfig
    reference: list[Encoded]
    transactions: list[Encoded]
    decision_ids: list[str | None]
    seconds: float


def build_workload(args: argparse.Namespace, codec: AvroCodec) -> Workload:
    started = time.perf_counter()
    events = 0
    if "throughput" in args.phases:
        events = args.backlog
    if "latency" in args.phases:
        events = max(events, round(args.rate * args.duration))
    events = max(events, round(args.rate * args.warmup))
    config = LoadConfig(seed=args.seed, accounts=args.accounts, groups=args.groups,
                        events=max(events, 1))  # fmt: skip
    reference = encode_events(codec, reference_events(config))
    transactions = list(transaction_events(config))
    if args.event_types:
        kept = {kind.strip() for kind in args.event_types.split(",")}
        transactions = [e for e in transactions if e["event_type"] in kept]
    decision_ids = [
        f"{e['event_id']}:decision" if e["event_type"] == "order_created" else None
        for e in transactions
    ]
    encoded = encode_events(codec, transactions)
    return Workload(config, reference, encoded, decision_ids, time.perf_counter() - started)


# -- phase 1: sustained throughput -----------------------------------------------------------


@dataclass
class ServiceFigures:
    peak_rss_kib: int = 0
    rss_kib: int = 0
    commits: float = 0.0
    commit_seconds: float = 0.0
    aborts: float = 0.0
    dead_letters: int = 0
    cpu_seconds: float = 0.0  # service CPU time (user + system) while measured
    load: str = ""  # 1-minute load average at the start and the end of the measurement
    profile: list[tuple[str, float, float]] = field(default_factory=list)
    note: str = ""


@dataclass
class Throughput:
    guarantee: str
    events: int
    orders: int
    publish_seconds: float
    startup_seconds: float  # process start → /readyz 200
    decisions: int
    seconds: float  # ready → last decision read
    service: ServiceFigures

    @property
    def per_second(self) -> float:
        return self.decisions / self.seconds if self.seconds > 0 else 0.0


def _decision_topics(deployment: Deployment) -> list[str]:
    t = deployment.topics
    return [t.orders_approved, t.orders_held, t.dead_letter]


def _decisions(watcher: OutputWatcher, timeout: float, read: list[Message],
               figures: ServiceFigures) -> Iterator[tuple[str, Message]]:  # fmt: skip
    """The decision records the watcher reads, each with its id read undecoded (and kept in
    ``read`` for ``decision_ids.verify``); dead letters are counted in ``figures``."""
    for message in watcher.messages(timeout=timeout):
        if (message.topic() or "").endswith("dead-letter"):
            figures.dead_letters += 1
            continue
        read.append(message)
        yield decision_ids.event_id(message.value() or b""), message


def _verify(codec: AvroCodec, read: list[Message], figures: ServiceFigures) -> None:
    """Decodes what ``_decisions`` read under the clock; a bad record goes into the note."""
    if wrong := decision_ids.verify(codec, read):
        figures.note += f" {wrong:,} decision records unreadable or with another id;"


def _finish(service: ServiceProcess, figures: ServiceFigures, spy: PySpy | None) -> ServiceFigures:
    """Read peak RSS and metrics, then stop the service (and the profiler)."""
    memory = service.memory_kib()
    figures.peak_rss_kib, figures.rss_kib = memory.get("VmHWM", 0), memory.get("VmRSS", 0)
    samples = service.metrics()
    figures.commits = samples.get("credit_transaction_commit_seconds_count", 0.0)
    figures.commit_seconds = samples.get("credit_transaction_commit_seconds_sum", 0.0)
    figures.aborts = samples.get("credit_transaction_aborts_total", 0.0)
    if spy is not None:
        spy.stop()
        figures.profile = spy.summary()
    code = service.stop()
    if code != 0:
        figures.note += f" service exit code {code};"
    if figures.aborts:
        figures.note += f" {figures.aborts:.0f} aborted transactions;"
    if figures.dead_letters:
        figures.note += f" {figures.dead_letters} dead letters;"
    handover = samples.get("credit_handover_records_total", 0.0)
    if handover:
        figures.note += f" {handover:.0f} hand-over records;"
    direct = samples.get('credit_input_paths_total{path="direct"}', 0.0)
    routed = samples.get('credit_input_paths_total{path="by_root"}', 0.0)
    figures.note += f" inputs {direct:,.0f} decided where read, {routed:,.0f} routed;"
    return figures


def throughput(
    args: argparse.Namespace, base: Settings, run_id: str, work: Path, codec: AvroCodec,
    workload: Workload, guarantee: str,
) -> Throughput:  # fmt: skip
    tag = "eos" if guarantee == "exactly_once" else "alo"
    deployment = Deployment.create(base, run_id, tag, work, guarantee=guarantee)
    backlog = workload.transactions[: args.backlog]
    expected = {d for d in workload.decision_ids[: args.backlog] if d is not None}
    topic_retries(deployment.settings)
    started = time.perf_counter()
    producer = RawProducer(deployment.settings)
    producer.produce_all(deployment, workload.reference)
    producer.produce_all(deployment, backlog)
    producer.flush()
    published = time.perf_counter() - started
    log(f"{guarantee}: published {len(workload.reference):,} reference + {len(backlog):,} "
        f"transaction events in {published:.1f} s; starting the service")  # fmt: skip
    watcher = OutputWatcher(deployment.settings, codec, topics=_decision_topics(deployment))
    service = ServiceProcess(deployment, pinning(args.service_cpus))
    figures, spy = ServiceFigures(), None
    ready_at: float | None = None
    cpu_at_ready = 0.0
    last = started = service.started
    pending = set(expected)
    read: list[Message] = []  # decision records, decoded once the clock has stopped
    decision_ids.check_schemas(codec)
    try:
        with paused_collector():
            while pending:
                for event_id, _ in _decisions(watcher, 0.05, read, figures):
                    if event_id in pending:
                        pending.discard(event_id)
                        last = time.perf_counter()
                now = time.perf_counter()
                if ready_at is None and service.ready():
                    ready_at = last = now
                    cpu_at_ready, figures.load = service.cpu_seconds(), load_average()
                    log(f"{guarantee}: ready after {ready_at - started:.1f} s")
                    spy = PySpy(service.pid, work / f"py-spy-{tag}.txt") if args.py_spy else None
                service.check_alive()
                if now - last > args.stall_timeout:
                    figures.note += f" stalled: {len(pending):,} decisions missing;"
                    break
        figures.cpu_seconds = service.cpu_seconds() - cpu_at_ready
        figures.load += f"→{load_average()}"
        figures = _finish(service, figures, spy)
    finally:
        if service.alive():
            service.stop()
        watcher.close()
        if not args.keep:
            delete_topics(deployment.settings, deployment.all_topics())
    _verify(codec, read, figures)
    ready = ready_at if ready_at is not None else last
    result = Throughput(guarantee, len(backlog), len(expected), published, ready - started,
                        len(expected) - len(pending), last - ready, figures)  # fmt: skip
    log(f"{guarantee}: {result.decisions:,} decisions in {result.seconds:.1f} s = "
        f"{result.per_second:,.0f}/s")  # fmt: skip
    return result


# -- phase 2: latency at a fixed offered rate ------------------------------------------------


class PacedPublisher(threading.Thread):
    """Produces pre-encoded records at ``rate``/s, noting (wall clock, so that it compares with
    the service's record timestamps) when each was handed to the producer."""

    def __init__(self, deployment: Deployment, records: list[Encoded], rate: float) -> None:
        super().__init__(name="paced-publisher", daemon=True)
        self.records, self.rate = records, rate
        self.topics = [deployment.topic(r.topic_field) for r in records]
        self.produced_at = [0.0] * len(records)
        self.producer = RawProducer(deployment.settings, linger_ms=5)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._publish()
        except BaseException as exc:  # reported by the main thread
            self.error = exc

    def _publish(self) -> None:
        records, topics, produced_at, rate = self.records, self.topics, self.produced_at, self.rate
        produce, poll, clock, wall = (self.producer.produce, self.producer.producer.poll,
                                      time.perf_counter, time.time)  # fmt: skip
        total, i = len(records), 0
        start = clock()
        while i < total:
            due = min(total, int((clock() - start) * rate) + 1)
            while i < due:
                record = records[i]
                produced_at[i] = wall()
                produce(topics[i], record.key, record.value)
                i += 1
            poll(0)
            wait = i / rate - (clock() - start)
            if wait > 0:
                time.sleep(wait)
        self.producer.flush()

    @property
    def achieved_rate(self) -> float:
        span = self.produced_at[-1] - self.produced_at[0]
        return (len(self.produced_at) - 1) / span if span > 0 else 0.0


@dataclass
class Latency:
    guarantee: str
    target_rate: float
    achieved_rate: float
    events: int
    orders: int
    decisions: int
    latencies: list[float]  # produced → decision read (read_committed), sorted
    to_decision: list[float]  # produced → decision record created by the service, sorted
    to_visible: list[float]  # decision record created → read (commit, fetch), sorted
    drain_seconds: float  # last event produced → last decision read
    service: ServiceFigures
    # produced → read of the events produced after the first STARTING_S, sorted: a new
    # deployment's first transaction markers may be slow for the broker to append (its disk:
    # ``bench/broker_storage.py``), and meanwhile it answers CONCURRENT_TRANSACTIONS
    after_start: list[float]

    def quantile(self, q: float) -> float:
        return quantile(self.latencies, q)


def latency(
    args: argparse.Namespace, base: Settings, run_id: str, work: Path, codec: AvroCodec,
    workload: Workload, tag: str = "latency",
) -> Latency:  # fmt: skip
    guarantee = args.latency_guarantee
    deployment = Deployment.create(base, run_id, tag, work, guarantee=guarantee)
    count = min(len(workload.transactions), round(args.rate * args.duration))
    index = {d: i for i, d in enumerate(workload.decision_ids[:count]) if d is not None}
    seen_at: dict[int, float] = {}
    created_at: dict[int, float] = {}  # the decision record's timestamp (CreateTime)
    read: list[Message] = []  # decision records, decoded once the clock has stopped
    decision_ids.check_schemas(codec)
    topic_retries(deployment.settings)
    producer = RawProducer(deployment.settings)
    producer.produce_all(deployment, workload.reference)
    producer.flush()
    publisher = PacedPublisher(deployment, workload.transactions[:count], args.rate)
    watcher = OutputWatcher(deployment.settings, codec, topics=_decision_topics(deployment))
    service = ServiceProcess(deployment, pinning(args.service_cpus))
    figures, spy = ServiceFigures(), None
    last = time.perf_counter()
    try:
        while not service.ready():
            service.check_alive()
            list(watcher.poll(timeout=0.05))  # join the watcher's group meanwhile
            if time.perf_counter() - service.started > 120:
                raise RuntimeError("service not ready after 120 s:\n" + service.log_tail())
        log(f"{tag}: service ready after {time.perf_counter() - service.started:.1f} s; "
            f"offering {args.rate:,.0f} events/s for {count / args.rate:.0f} s")  # fmt: skip
        spy = PySpy(service.pid, work / "py-spy-latency.txt") if args.py_spy else None
        cpu_at_start, figures.load = service.cpu_seconds(), load_average()
        with paused_collector():
            publisher.start()
            last = time.perf_counter()
            while len(seen_at) < len(index):
                # consume() returns when it has 5,000 records or at its timeout: a short one, or
                # the time a decision is read is late by up to the timeout
                for event_id, message in _decisions(watcher, 0.002, read, figures):
                    i = index.get(event_id)
                    if i is not None and i not in seen_at:
                        seen_at[i] = time.time()
                        created_at[i] = message.timestamp()[1] / 1000
                        last = time.perf_counter()
                if publisher.error is not None:
                    raise publisher.error
                service.check_alive()
                if publisher.is_alive():
                    last = max(last, time.perf_counter() - 1.0)
                elif time.perf_counter() - last > args.stall_timeout:
                    figures.note += f" stalled: {len(index) - len(seen_at):,} decisions missing;"
                    break
            publisher.join()
        figures.cpu_seconds = service.cpu_seconds() - cpu_at_start
        figures.load += f"→{load_average()}"
        figures = _finish(service, figures, spy)
    finally:
        if service.alive():
            service.stop()
        watcher.close()
        if not args.keep:
            delete_topics(deployment.settings, deployment.all_topics())
    _verify(codec, read, figures)
    produced = publisher.produced_at
    latencies = sorted(seen - produced[i] for i, seen in seen_at.items())
    settled = produced[0] + STARTING_S
    after_start = sorted(seen - produced[i] for i, seen in seen_at.items()
                         if produced[i] >= settled)  # fmt: skip
    to_decision = sorted(created - produced[i] for i, created in created_at.items())
    to_visible = sorted(seen_at[i] - created for i, created in created_at.items())
    drain = (max(seen_at.values()) - produced[-1]) if seen_at else float("nan")
    with (work / f"{tag}.csv").open("w") as sink:  # for a closer look: one order a line
        sink.write("index,produced,decision_created,read\n")
        sink.writelines(f"{i},{produced[i]:.6f},{created_at[i]:.3f},{seen_at[i]:.6f}\n"
                        for i in sorted(seen_at))  # fmt: skip
    result = Latency(guarantee, args.rate, publisher.achieved_rate, count, len(index),
                     len(seen_at), latencies, to_decision, to_visible, drain,
                     figures, after_start)  # fmt: skip
    log(
        f"{tag}: p50 {result.quantile(0.5) * 1000:,.0f} ms, p99 "
        f"{result.quantile(0.99) * 1000:,.0f} ms at {result.achieved_rate:,.0f} events/s"
    )
    return result


def warm_up(
    args: argparse.Namespace, base: Settings, run_id: str, work: Path, codec: AvroCodec,
    workload: Workload,
) -> None:  # fmt: skip
    """``--warmup`` seconds of phase 2's load through a deployment of their own (topics
    ``bench.<run>.warmup.*``); the figures are logged, not reported."""
    log(f"warm-up: {args.warmup:.0f} s at {args.rate:,.0f} events/s, not reported")
    warm = argparse.Namespace(**{**vars(args), "duration": args.warmup, "py_spy": False})
    latency(warm, base, run_id, work, codec, workload, tag="warmup")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        sys.exit("KAFKA_BOOTSTRAP_SERVERS is not set: use `make bench-kafka`, or start "
                 "deploy/kafka/kafka.sh and set it")  # fmt: skip
    with placed(args.service_cpus) as args.placement:
        run(args)


def run(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    overrides: dict[str, Any] = {}
    if args.partitions:
        overrides |= {"by_root_partitions": args.partitions, "input_partitions": args.partitions}
    if args.commit_interval_ms:
        overrides["commit_interval_ms"] = args.commit_interval_ms
    overrides |= {field: getattr(args, field) for field in SETTING_FLAGS
                  if getattr(args, field) is not None}  # fmt: skip
    if args.direct_decisions is not None:
        overrides["direct_decisions"] = args.direct_decisions == "on"
    base = Settings().model_copy(update=overrides)
    args.broker_storage = broker_storage.describe(base.bootstrap_servers)
    run_id, work = new_run(OUT)
    codec = codec_for(base)
    log(f"run {run_id}: logs in {work}")
    workload = None
    if {"throughput", "latency"} & set(args.phases):
        workload = build_workload(args, codec)
        log(f"workload: {len(workload.reference):,} reference + "
            f"{len(workload.transactions):,} transaction events encoded in "
            f"{workload.seconds:.1f} s")  # fmt: skip
    phases: list[Throughput] = []
    floors: list[Floor] = []
    lat = None
    if workload is not None:
        if args.warmup > 0:
            warm_up(args, base, run_id, work, codec, workload)
        if "throughput" in args.phases:
            phases = [throughput(args, base, run_id, work, codec, workload, guarantee)
                      for guarantee in args.guarantees]  # fmt: skip
            carried = transaction_records(workload.transactions[: args.backlog])
            floors = [measure(base, run_id, work, g, carried) for g in args.guarantees]
        if "latency" in args.phases:
            lat = latency(args, base, run_id, work, codec, workload)
    res = restore(args, base, run_id, work) if "restore" in args.phases else None
    if not args.keep:
        for state in work.glob("state-*"):
            shutil.rmtree(state, ignore_errors=True)
    report(args, base, workload, phases, floors, lat, res, time.perf_counter() - began)


if __name__ == "__main__":
    main()

"""Where a service event's CPU goes, stage by stage, without a broker.

    python -m bench.hop_costs [--accounts 20000] [--backlog 100000]

Takes ``bench.kafka_bench``'s workload (the same Avro records it publishes) and runs the
processing core of ``credit-service run`` over it in this process, in batches of
``CREDIT_MAX_BATCH`` with a flush per batch, as the Kafka loop does, both ways side by side:
every event through the by-root hop (hop 1: decode, validate, route to the by-root topic;
hop 2: read the by-root record back, decide, encode the outputs), and every event decided
where it is read (decode, validate, decide, encode); then the changelog records of the books
each batch changed. Each stage is timed around its own calls; the credit rules
(``CreditEngine.handle``) are timed apart from the rest. What this leaves out is the Kafka
loop itself (consume and produce calls, the event-time merge, offsets, log context, commits):
``bench.kafka_floor`` measures a loop of only those calls on the broker, and
``make bench-kafka`` the whole service.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from bench.kafka_bench import Workload, build_workload, parse_args
from bench.kafka_support import DEFAULT_TOPICS
from service.bootstrap import codec_for, processor_for
from service.domain.events import INPUT_EVENT
from service.metrics import PrometheusMetrics
from service.processor import CreditProcessor
from service.settings import Settings

T = TypeVar("T")
STAGES = (
    ("avro", "hop 1: Avro body → dict (native engine: → event)"),
    ("validate", "hop 1: dict → validated event (pydantic)"),
    ("route", "hop 1: root, by-root record (JSON value, headers)"),
    ("read_back", "hop 2: by-root record → event, hand-over checks"),
    ("take", "decided where read: root, ownership, clear?"),
    ("rules", "the engine: rules (native: + outputs' Avro bodies)"),
    ("encode", "outputs → Avro records"),
    ("flush", "per batch: changed books → changelog records"),
)


class StageClock:
    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    def time(self, stage: str, call: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        try:
            return call(*args)
        finally:
            self.seconds[stage] += time.perf_counter() - started


def prepare(args: argparse.Namespace,
            engine: str) -> tuple[Settings, CreditProcessor, Workload]:  # fmt: skip
    """A processor that owns every partition and has the workload's reference data."""
    settings = Settings(engine=engine)  # type: ignore[arg-type]
    codec = codec_for(settings)
    processor = processor_for(settings, PrometheusMetrics(), codec)
    for partition in range(settings.by_root_partitions):
        processor.assign(partition, iter(()))
    workload = build_workload(args, codec)
    reference_topic = DEFAULT_TOPICS.reference
    for offset, record in enumerate(workload.reference):
        processor.apply_reference(processor.decode(reference_topic, record.value), offset)
    return settings, processor, workload


def run(args: argparse.Namespace, settings: Settings, processor: CreditProcessor,
        workload: Workload, direct: bool) -> tuple[StageClock, int, int]:  # fmt: skip
    codec = processor.codec
    clock = StageClock()
    ledger = processor.ledger
    decide = ledger.decide

    def timed_decide(event: Any) -> Any:
        return clock.time("rules", decide, event)

    ledger.decide = timed_decide  # type: ignore[method-assign]
    records = workload.transactions[: args.backlog]
    events = decisions = 0
    offset = len(workload.reference)
    for start in range(0, len(records), settings.max_batch):
        routed = []
        for record in records[start : start + settings.max_batch]:
            topic = str(getattr(DEFAULT_TOPICS, record.topic_field))
            event = clock.time("avro", processor.ledger.read, record.value)  # native engine's
            if event is None:
                raw = clock.time("avro", codec.decode, topic, record.value)
                event = clock.time("validate", INPUT_EVENT.validate_python, raw)
            if record.topic_field == "reference":
                processor.apply_reference(event, offset)
                offset += 1
                continue
            if direct:  # one instance owns every partition, nothing is on its way
                before = clock.seconds["rules"]
                step = clock.time("take", processor.take_input, event, list, _always)
                clock.seconds["take"] -= clock.seconds["rules"] - before
                clock.time("encode", processor.encode_outputs, step.outputs)
                decisions += _decisions(step.outputs)
                events += 1
                continue
            routed.append(clock.time("route", processor.route, event, []))
        for number, by_root in enumerate(routed):
            before = clock.seconds["rules"]
            step = clock.time("read_back", processor.process, by_root.partition or 0,
                              start + number, by_root.key, by_root.value,
                              by_root.headers)  # fmt: skip
            clock.seconds["read_back"] -= clock.seconds["rules"] - before
            clock.time("encode", processor.encode_outputs, step.outputs)
            decisions += _decisions(step.outputs)
            events += 1
        clock.time("flush", processor.flush)
    return clock, events, decisions


def _always(partition: int, root: bytes) -> bool:
    return True


def _decisions(outputs: list[Any]) -> int:
    return sum(o.event_type in ("order_approved", "order_held") for o in outputs)


def main(argv: list[str] | None = None) -> None:
    """Both paths side by side, each on a fresh processor: every event routed through the
    by-root topic, and every event decided where it is read."""
    args = parse_args(["--phases", "throughput", *(argv or [])])
    paths = {"by-root hop": ("python", False), "decided where read": ("python", True),
             "native, where read": ("native", True)}  # fmt: skip
    runs = {name: run(args, *prepare(args, engine), direct=direct)
            for name, (engine, direct) in paths.items()}  # fmt: skip
    events, decisions = next(iter(runs.values()))[1:]
    print(f"\nprocessing core, no broker: {events:,} transaction events ({decisions:,} "
          f"decisions), {args.accounts:,} accounts; µs per event by stage")  # fmt: skip
    print(f"  {'':<52}" + "".join(f"{name:>20}" for name in runs))
    for stage, what in STAGES:
        cells = [clock.seconds[stage] / count * 1e6 for clock, count, _ in runs.values()]
        print(f"  {what:<52}" + "".join(f"{cell:>17.1f} µs" for cell in cells))
    totals = [sum(clock.seconds.values()) for clock, _, _ in runs.values()]
    cells = [total / count * 1e6 for total, (_, count, _) in zip(totals, runs.values(),
                                                                 strict=True)]  # fmt: skip
    print(f"  {'all stages':<52}" + "".join(f"{cell:>17.1f} µs" for cell in cells))
    rates = [d / total for total, (_, _, d) in zip(totals, runs.values(), strict=True)]
    print(f"  {'decisions/s on one core before any Kafka call':<52}"
          + "".join(f"{rate:>20,.0f}" for rate in rates))  # fmt: skip


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

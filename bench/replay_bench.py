"""Engine benchmark: replay a generated realistic load on one core (``make bench``).

Setup: ``service.loadgen`` makes about 100k accounts in 2k groups over 4 companies and
currencies, then 1M transaction events (orders, invoices, payments, cancellations, releases).
The events are written once to ``bench/out/`` as JSON lines and then streamed through the
same path as ``credit-service replay``.

Printed figures:
- order decisions per second of engine time (``CreditEngine.handle`` only, inputs parsed);
- order decisions per second end to end (read + validate + decide + serialise output);
- resident memory per account: RSS growth over the run divided by the number of accounts, at the
  end (after a garbage collection) and at its peak (``ru_maxrss`` minus the RSS before the run).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path

from service.bootstrap import tune_garbage_collector
from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT
from service.loadgen import LoadConfig, generate
from service.serialize import to_json_line

OUT = Path(__file__).resolve().parent / "out"


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def events_file(config: LoadConfig) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"events-{config.accounts}-{config.groups}-{config.events}-{config.seed}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        with tmp.open("w") as sink:
            for event in generate(config):
                sink.write(json.dumps(event, separators=(",", ":")))
                sink.write("\n")
        tmp.rename(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def run(path: Path, accounts: int) -> dict[str, float]:
    tune_garbage_collector()  # as ``credit-service replay`` and ``run`` do
    gc.collect()
    baseline = rss_bytes()
    engine = CreditEngine()
    decisions = events = 0
    engine_seconds = 0.0
    clock = time.perf_counter
    started = clock()
    with path.open("rb") as lines:
        for line in lines:
            event = INPUT_EVENT.validate_json(line)
            before = clock()
            outcome = engine.handle(event)
            engine_seconds += clock() - before
            events += 1
            for output in outcome.outputs:
                to_json_line(output)
                if output.event_type in ("order_approved", "order_held") and (
                    event.event_type == "order_created"
                ):
                    decisions += 1
    wall = clock() - started
    gc.collect()
    grown = rss_bytes() - baseline
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "events": events, "decisions": decisions, "engine_seconds": engine_seconds,
        "wall_seconds": wall, "engine_decisions_per_s": decisions / engine_seconds,
        "e2e_decisions_per_s": decisions / wall, "e2e_events_per_s": events / wall,
        "rss_growth_bytes": grown, "bytes_per_account": grown / accounts, "peak_rss": peak,
        "peak_bytes_per_account": (peak - baseline) / accounts,
        "books": len(engine.books), "held": sum(len(b.hold_items()) for b in engine.books.values()),
    }  # fmt: skip


def load_arguments(parser: argparse.ArgumentParser, accounts: int, groups: int,
                   events: int) -> None:  # fmt: skip
    """The load's shape on the command line, with the defaults given."""
    parser.add_argument("--accounts", type=int, default=accounts)
    parser.add_argument("--groups", type=int, default=groups)
    parser.add_argument("--events", type=int, default=events)
    parser.add_argument("--seed", type=int, default=7)


def load_config(args: argparse.Namespace) -> LoadConfig:
    return LoadConfig(seed=args.seed, accounts=args.accounts, groups=args.groups,
                      events=args.events)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    load_arguments(parser, 100_000, 2_000, 1_000_000)
    args = parser.parse_args()
    config = load_config(args)
    figures = run(events_file(config), args.accounts)
    print(f"events replayed            {figures['events']:>12,.0f}")
    print(f"order decisions            {figures['decisions']:>12,.0f}")
    print(f"  held at the end          {figures['held']:>12,.0f}")
    print(f"engine time                {figures['engine_seconds']:>12.2f} s")
    print(f"end-to-end time            {figures['wall_seconds']:>12.2f} s")
    print(f"decisions/s (engine)       {figures['engine_decisions_per_s']:>12,.0f}")
    print(f"decisions/s (end to end)   {figures['e2e_decisions_per_s']:>12,.0f}")
    print(f"events/s (end to end)      {figures['e2e_events_per_s']:>12,.0f}")
    print(f"resident bytes per account {figures['bytes_per_account']:>12,.0f}")
    print(f"peak bytes per account     {figures['peak_bytes_per_account']:>12,.0f}")
    print(f"peak RSS                   {figures['peak_rss'] / 2**20:>12,.0f} MiB")


if __name__ == "__main__":
    main()

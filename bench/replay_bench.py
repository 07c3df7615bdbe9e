"""Engine benchmark: replay a generated realistic load on one core (``make bench``).

Setup: ``service.loadgen`` makes about 100k accounts in 2k groups over 4 companies and
currencies, then 1M transaction events (orders, invoices, payments, cancellations, releases).
The events are written once to ``bench/out/`` as JSON lines and then streamed through the
same path as ``credit-service replay``.

Both engines run, each in a process of its own, and are printed side by side: the Python one
(``CreditEngine``) and the native one (``credit_native.NativeEngine``, ``--engine native``).

Printed figures:
- order decisions per second of engine time (``CreditEngine.handle`` only, inputs parsed, each
  call timed; for the native engine ``handle_json``, which also reads the line and writes the
  outputs, timed as a whole loop that does nothing else: a per-call clock costs about as much
  as a tenth of a call. That loop runs ``--repeat`` times, each in a process of its own, and
  the best is printed with the median and every run, as ``timeit`` does: noise only ever adds);
- order decisions per second end to end (read + validate + decide + serialise output);
- resident memory per account: RSS growth over the run divided by the number of accounts, at the
  end (after a garbage collection) and at its peak (``ru_maxrss`` minus the RSS before the run).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def _read(path: Path) -> list[bytes]:
    """The input lines, read before a run: file reads are not timed."""
    with path.open("rb") as source:
        return source.readlines()


def _figures(
    events: int, decisions: int, engine_seconds: float, wall: float, baseline: int,
    accounts: int,
) -> dict[str, float]:  # fmt: skip
    """What a run prints: rates, and memory after a collection and at its peak."""
    gc.collect()
    grown = rss_bytes() - baseline
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "events": events, "decisions": decisions, "engine_seconds": engine_seconds,
        "wall_seconds": wall, "engine_decisions_per_s": decisions / engine_seconds,
        "e2e_decisions_per_s": decisions / wall, "e2e_events_per_s": events / wall,
        "rss_growth_bytes": grown, "bytes_per_account": grown / accounts, "peak_rss": peak,
        "peak_bytes_per_account": (peak - baseline) / accounts,
    }  # fmt: skip


def run_python(path: Path, accounts: int) -> dict[str, float]:
    tune_garbage_collector()  # as ``credit-service replay`` and ``run`` do
    lines = _read(path)
    gc.collect()
    baseline = rss_bytes()
    engine = CreditEngine()
    decisions = events = 0
    engine_seconds = 0.0
    clock = time.perf_counter
    started = clock()
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
    return {
        **_figures(events, decisions, engine_seconds, clock() - started, baseline, accounts),
        "books": len(engine.books), "held": sum(len(b.hold_items()) for b in engine.books.values()),
    }  # fmt: skip


_DECISIONS = (b'"event_type":"order_approved"', b'"event_type":"order_held"')


def _through_pydantic(line: bytes, engine: Any) -> bytes:
    """The output lines of a line the native reader leaves out (not canonical): the replay's
    path through pydantic."""
    from service.native import native_replay_lines

    return b"".join(item for item in native_replay_lines([line], engine)
                    if isinstance(item, bytes))  # fmt: skip


def run_native(path: Path, accounts: int) -> dict[str, float]:
    """The same replay through ``credit_native.NativeEngine``: its ``handle_json`` reads the
    line, decides and writes the output lines, so its engine time includes reading and
    writing (the Python engine's does not)."""
    import credit_native

    lines = _read(path)
    gc.collect()
    baseline = rss_bytes()
    engine = credit_native.NativeEngine()
    decisions = events = 0
    engine_seconds = 0.0
    clock = time.perf_counter
    handle = engine.handle_json
    started = clock()
    for line in lines:
        before = clock()
        outputs = handle(line)
        engine_seconds += clock() - before
        if outputs is None:
            outputs = _through_pydantic(line, engine)
        events += 1
        if b'"order_created"' in line:
            decisions += sum(outputs.count(kind) for kind in _DECISIONS)
    return {
        **_figures(events, decisions, engine_seconds, clock() - started, baseline, accounts),
        "books": engine.account_count(), "held": engine.held_count(),
        "breakdown": dict(engine.memory_breakdown()),
    }  # fmt: skip


def time_native(path: Path) -> dict[str, float]:
    """The native engine's time over the replay, the loop calling ``handle_json`` and nothing
    else; the books and holds it ends with, which must equal ``run_native``'s (the same work)."""
    import credit_native

    lines = _read(path)
    gc.collect()
    engine = credit_native.NativeEngine()
    handle = engine.handle_json
    started = time.perf_counter()
    for line in lines:
        if handle(line) is None:
            _through_pydantic(line, engine)
    seconds = time.perf_counter() - started
    return {"engine_seconds": seconds, "books": engine.account_count(),
            "held": engine.held_count()}  # fmt: skip


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


_ROWS = (
    ("events replayed", "events", "{:,.0f}"),
    ("order decisions", "decisions", "{:,.0f}"),
    ("  held at the end", "held", "{:,.0f}"),
    ("engine time (s; native: best run)", "engine_seconds", "{:.2f}"),
    ("end-to-end time (s)", "wall_seconds", "{:.2f}"),
    ("decisions/s (engine)", "engine_decisions_per_s", "{:,.0f}"),
    ("decisions/s (end to end)", "e2e_decisions_per_s", "{:,.0f}"),
    ("events/s (end to end)", "e2e_events_per_s", "{:,.0f}"),
    ("resident bytes per account", "bytes_per_account", "{:,.0f}"),
    ("peak bytes per account", "peak_bytes_per_account", "{:,.0f}"),
    ("peak RSS (MiB)", "peak_rss", "{:,.0f}"),
)
ENGINES = ("python", "native")


def _native_timings(native: dict[str, float], args: argparse.Namespace) -> list[float]:
    """``--repeat`` timed loops of the native engine, each in a process of its own; the table's
    engine time and rate become the best of them."""
    timings = []
    for _ in range(args.repeat):
        timed = _measured("native-time", args)
        if (timed["books"], timed["held"]) != (native["books"], native["held"]):
            raise SystemExit(f"the timed loop ended elsewhere than the replay: {timed}")
        timings.append(timed["engine_seconds"])
    if timings:
        native["engine_seconds"] = min(timings)
        native["engine_decisions_per_s"] = native["decisions"] / min(timings)
    return timings


def _measured(engine: str, args: argparse.Namespace) -> dict[str, float]:
    """One engine's figures, from a process of its own (so that memory is its own)."""
    command = [sys.executable, "-m", "bench.replay_bench", "--engine", engine, "--json",
               "--accounts", str(args.accounts), "--groups", str(args.groups),
               "--events", str(args.events), "--seed", str(args.seed)]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    load_arguments(parser, 100_000, 2_000, 1_000_000)
    parser.add_argument("--engine", choices=(*ENGINES, "both", "native-time"), default="both")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed loops of the native engine, each in a process of its own",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    path = events_file(load_config(args))
    if args.json:
        if args.engine == "native-time":
            print(json.dumps(time_native(path)))
            return
        runner = run_python if args.engine == "python" else run_native
        print(json.dumps(runner(path, args.accounts)))
        return
    engines = ENGINES if args.engine == "both" else (args.engine,)
    figures = {engine: _measured(engine, args) for engine in engines}
    timings = []
    if "native" in figures:
        timings = _native_timings(figures["native"], args)
    for figure in figures.values():
        figure["peak_rss"] /= 2**20
    print(f"{path.name}, {args.accounts:,} accounts; each engine in a process of its own")
    print(f"{'':36}" + "".join(f"{engine:>14}" for engine in engines))
    for label, key, form in _ROWS:
        print(f"{label:36}" + "".join(f"{form.format(figures[e][key]):>14}" for e in engines))
    if timings:
        runs = ", ".join(f"{seconds:.2f}" for seconds in timings)
        rate = figures["native"]["decisions"] / statistics.median(timings)
        print(
            f"native engine time over {len(timings)} runs (s): {runs}; the table has the "
            f"best, the median gives {rate:,.0f} decisions/s"
        )
    if "native" in figures:
        print("native engine's bytes per account, by part (capacities as allocated):")
        for part, held in figures["native"]["breakdown"].items():
            print(f"  {part:26}{held / args.accounts:>14,.0f}")


if __name__ == "__main__":
    main()

"""Engine CPU time on a shared machine: ``CreditEngine.handle`` alone, best of a few runs.

The events of the ``replay_bench`` file (same load arguments) are parsed once, then replayed
into a fresh engine ``--runs`` times. Each run is timed in process CPU time, not wall time, so
other work on the machine disturbs it less; the best run is printed. Compare two trees by
alternating, e.g. ``cd <tree> && python -m bench.engine_cpu --accounts 10000 --groups 200
--events 100000``. ``--engine native`` times ``credit_native.NativeEngine.handle_json`` over the
raw lines instead (it reads, decides and writes).
"""

from __future__ import annotations

import argparse
import gc
import time

from bench.replay_bench import events_file, load_arguments, load_config
from service.bootstrap import tune_garbage_collector
from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    load_arguments(parser, 10_000, 200, 100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", choices=("python", "native"), default="python")
    args = parser.parse_args()
    with events_file(load_config(args)).open("rb") as lines:
        raw = lines.readlines()
    if args.engine == "native":
        return native(raw, args.runs)
    events = [INPUT_EVENT.validate_json(line) for line in raw]
    orders = sum(1 for event in events if event.event_type == "order_created")
    tune_garbage_collector()
    runs = []
    for _ in range(args.runs):
        engine = CreditEngine()
        gc.collect()
        started = time.process_time()
        for event in events:
            engine.handle(event)
        runs.append(time.process_time() - started)
    best = min(runs)
    listed = " ".join(f"{seconds:.3f}" for seconds in runs)
    print(f"engine CPU s {best:.3f} (runs {listed})  order decisions/s {orders / best:,.0f}")


def native(lines: list[bytes], runs: int) -> None:
    """The native engine's ``handle_json`` over the lines (read + decide + write)."""
    import credit_native

    orders = sum(1 for line in lines if b'"order_created"' in line)
    seconds = []
    for _ in range(runs):
        handle = credit_native.NativeEngine().handle_json
        started = time.process_time()
        for line in lines:
            handle(line)
        seconds.append(time.process_time() - started)
    best = min(seconds)
    listed = " ".join(f"{run:.3f}" for run in seconds)
    print(f"native CPU s {best:.3f} (runs {listed})  order decisions/s {orders / best:,.0f}")


if __name__ == "__main__":
    main()

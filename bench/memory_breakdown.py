"""Where the engine's memory per account goes (tracemalloc), for ``make bench``'s load shape.

    python -m bench.memory_breakdown --accounts 10000 --groups 200 --events 100000

Replays the generated events (written by ``bench.replay_bench`` into ``bench/out/``) and prints
the allocation sites still holding memory at the end, in bytes per account.
"""

from __future__ import annotations

import argparse
import tracemalloc

from bench.replay_bench import events_file, load_arguments, load_config
from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    load_arguments(parser, 10_000, 200, 100_000)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    path = events_file(load_config(args))
    tracemalloc.start()
    engine = CreditEngine()
    with path.open("rb") as lines:
        for line in lines:
            engine.handle(INPUT_EVENT.validate_json(line))
    stats = tracemalloc.take_snapshot().statistics("lineno")
    total = sum(stat.size for stat in stats)
    print(f"held by the engine: {total / args.accounts:,.0f} bytes per account")
    for stat in stats[: args.top]:
        print(f"{stat.size / args.accounts:8,.0f} B/account  {stat.traceback}")


if __name__ == "__main__":
    main()

"""Writes tests/data/set_order.json.gz (gzip): the iteration order of ``before.keys() | after.keys()``
for random dicts of due ordinals (what ``packing.due_changes`` iterates), as CPython gives it.

Run from the repository root: ``.venv/bin/python native/books/tests/gen_set_order.py``
"""

import gzip
import json
import random
import sys
from pathlib import Path

from service.domain.packing import due_changes

rng = random.Random(20240611)
cases = []
for n in range(3000):
    base = rng.choice([739_000, 738_000 + rng.randrange(3000), 1, 3_652_059 - 200])
    spread = rng.choice([3, 10, 40, 400, 100_000])
    size_before = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 40, rng.randrange(0, 120)])
    size_after = rng.choice([0, 1, 2, 4, 5, 7, 13, 30, rng.randrange(0, 120)])
    pick = lambda: max(1, min(3_652_059, base + rng.randrange(spread)))  # noqa: E731
    before = {pick(): 1 for _ in range(size_before)}
    after = {pick(): 1 for _ in range(size_after)}
    if rng.random() < 0.5 and before:  # mostly the same dues, as a re-posted invoice gives
        after = dict(before)
        for due in rng.sample(list(after), k=min(len(after), rng.randrange(3))):
            del after[due]
        for _ in range(rng.randrange(3)):
            after[pick()] = 1
    order = list(before.keys() | after.keys())
    assert order == list(due_changes(before, after))
    cases.append([list(before), list(after), order])
out = Path(__file__).parent / "data" / "set_order.json.gz"
out.write_bytes(gzip.compress((json.dumps(cases, separators=(",", ":")) + "\n").encode(), mtime=0))
print(f"{len(cases)} cases, Python {sys.version.split()[0]} -> {out}", file=sys.stderr)

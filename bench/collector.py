"""The bench process's cyclic garbage collector, paused while a phase's clock runs.

The bench holds its whole workload (150,000 encoded events in phase 2) and reads every
decision while the clock runs. With CPython's default thresholds it then ran full
collections of 66-128 ms every few seconds (``gc.callbacks``, one phase-2 run): the watcher
noted decisions late by as much, so the bench's own pauses showed up as the service's p99.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collector() -> Iterator[None]:
    """What exists now is frozen (never scanned again) and nothing is collected until the
    block ends; reference counting still frees what the timed loop lets go."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()

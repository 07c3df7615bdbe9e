"""Where the benchmark's processes run: the service on CPUs of its own (``--service-cpus``).

On this 2-core machine the broker, the load generator and the service share the cores, and a
service that needs most of a core waits on the run queue whenever the others run. Its own
core is what a deployment gives it. With ``--service-cpus 1`` the service subprocess (every
thread it starts) runs on CPU 1, and this process and the local broker (``deploy/kafka``'s,
found by its pid file) on the others. The broker's placement is put back at the end.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.kafka_support import CHECKOUT

BROKER_PID_FILE = CHECKOUT / ".kafka" / "kafka.pid"


def parse_cpus(text: str) -> frozenset[int]:
    """``"1"`` or ``"1,3"``: CPUs this machine has."""
    cpus = frozenset(int(part) for part in text.split(",") if part.strip())
    available = os.sched_getaffinity(0)
    if not cpus or not cpus < available:
        raise ValueError(f"--service-cpus {text}: give some, not all, of CPUs {sorted(available)}")
    return cpus


def _broker_threads() -> list[int]:
    """The thread ids of the local broker's JVM, if it runs."""
    try:
        pid = int(BROKER_PID_FILE.read_text().strip())
        if b"kafka.Kafka" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return []
        return [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
    except (OSError, ValueError):
        return []


@contextmanager
def placed(service_cpus: frozenset[int] | None) -> Iterator[str]:
    """Pin this process and the local broker off ``service_cpus``; yields what was done."""
    if service_cpus is None:
        yield "shared: every process on every CPU"
        return
    everything = os.sched_getaffinity(0)
    others = everything - service_cpus
    os.sched_setaffinity(0, others)  # threads started from now on inherit it
    broker = {tid: _affinity(tid) for tid in _broker_threads()}
    for tid in broker:
        _set(tid, others)
    where = "the local broker and " if broker else ""
    try:
        yield (f"service on CPU {','.join(map(str, sorted(service_cpus)))}; {where}this bench "
               f"on CPU {','.join(map(str, sorted(others)))}")  # fmt: skip
    finally:
        for tid in _broker_threads():  # threads started meanwhile: every CPU
            _set(tid, broker.get(tid) or everything)
        os.sched_setaffinity(0, everything)


def _affinity(tid: int) -> set[int] | None:
    try:
        return os.sched_getaffinity(tid)
    except OSError:  # a thread that ended meanwhile
        return None


def _set(tid: int, cpus: set[int] | frozenset[int]) -> None:
    with contextlib.suppress(OSError):  # a thread that ended meanwhile
        os.sched_setaffinity(tid, cpus)


def pinning(service_cpus: frozenset[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that runs the service subprocess on ``service_cpus``."""
    if service_cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, service_cpus)

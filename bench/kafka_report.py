"""The report of ``bench.kafka_bench``: one table per phase, and profiles."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bench.kafka_support import STARTING_S, TOPIC_RACES, quantile
from service.settings import Settings

if TYPE_CHECKING:
    from bench.kafka_bench import Latency, ServiceFigures, Throughput, Workload
    from bench.kafka_floor import Floor
    from bench.restore_phase import Restore


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB" if kib else "n/a"


def _table(header: list[str], rows: list[list[str]]) -> Iterator[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    yield line.format(*header)
    yield "  ".join("-" * w for w in widths)
    for row in rows:
        yield line.format(*row)


def _code_version() -> str:
    """The commit, and how many files under service/ differ from it (others edit meanwhile)."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip

    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "service").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}" + (f" + {len(dirty)} changed files in service/" if dirty else "")


def _per_cpu(decisions: int, figures: ServiceFigures) -> str:
    return f"{decisions / figures.cpu_seconds:,.0f}" if figures.cpu_seconds else "n/a"


def _commit_cell(figures: ServiceFigures) -> str:
    if not figures.commits:
        return "n/a"
    return f"{figures.commits:,.0f} × {figures.commit_seconds / figures.commits * 1000:.1f} ms"


def report(
    args: argparse.Namespace, base: Settings, workload: Workload | None,
    phases: list[Throughput], floors: list[Floor],
    lat: Latency | None, res: Restore | None, total: float,
) -> None:  # fmt: skip
    out: list[str] = []
    say = out.append
    say("")
    say("=" * 100)
    say("credit-service benchmark on Kafka")
    say("=" * 100)
    say(f"command        {shlex.join([sys.executable, '-m', 'bench.kafka_bench', *sys.argv[1:]])}")
    say(f"broker         {base.bootstrap_servers}  (machine: {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}; code: {_code_version()})")  # fmt: skip
    say(f"broker logs    {getattr(args, 'broker_storage', 'unknown')}")
    say(f"service        credit-service run, one process; by-root partitions "
        f"{base.by_root_partitions}, input partitions {base.input_partitions}, commit interval "
        f"{base.commit_interval_ms} ms (quiet {base.quiet_commit_ms} ms, ratio "
        f"{base.quiet_commit_ratio:g}), producer retry backoff "
        f"{base.producer_retry_backoff_ms} ms, linger {base.producer_linger_ms} ms, max batch "
        f"{base.max_batch}, merge wait {base.merge_wait_ms} ms, direct decisions "
        f"{'on' if base.direct_decisions else 'off'}, store rocksdb")  # fmt: skip
    say(f"placement      {getattr(args, 'placement', 'shared')}")
    if workload is not None:
        cfg = workload.config
        say(f"workload       service.loadgen seed {cfg.seed}: {cfg.accounts:,} accounts, "
            f"{cfg.groups:,} groups, {cfg.companies} companies -> {len(workload.reference):,} "
            f"reference events; generated+encoded in {workload.seconds:.1f} s")  # fmt: skip
    if workload is not None and args.warmup > 0:
        say(f"warm-up        {args.warmup:.0f} s of phase 2's load at {args.rate:,.0f} events/s "
            f"before the phases, through a deployment of its own (not reported)")  # fmt: skip
    for t in phases[:1]:
        say(f"phase 1        backlog of {t.events:,} transaction events ({t.orders:,} "
            f"order_created) + reference data, published before the service starts "
            f"(in {t.publish_seconds:.1f} s)")  # fmt: skip
    if lat is not None:
        say(f"phase 2        {lat.events:,} events ({lat.orders:,} orders) offered at "
            f"{lat.target_rate:,.0f}/s, {lat.guarantee}; producer linger 5 ms")  # fmt: skip
    if res is not None:
        say(f"phase 3        {res.accounts:,} books ({res.changelog_bytes / 2**20:,.0f} MiB of "
            f"keys+values) in a {res.partitions}-partition changelog")  # fmt: skip
    if phases:
        say("")
        say("1. Sustained order decisions (backlog drained; clock from /readyz to last decision)")
        rows = [[t.guarantee, f"{t.startup_seconds:.1f} s", f"{t.decisions:,}/{t.orders:,}",
                 f"{t.seconds:.1f} s", f"{t.per_second:,.0f}",
                 f"{t.events / t.seconds if t.seconds else 0:,.0f}",
                 f"{t.service.cpu_seconds:.1f} s", _per_cpu(t.decisions, t.service),
                 _commit_cell(t.service), _mib(t.service.peak_rss_kib), t.service.load,
                 t.service.note.strip() or "-"]
                for t in phases]  # fmt: skip
        header = ["guarantee", "start→ready", "decisions", "drain", "decisions/s",
                  "≈events/s", "service CPU", "dec/CPU-s", "commits × mean", "peak RSS", "load",
                  "note"]  # fmt: skip
        out.extend(_table(header, rows))
        _floor_lines(out, phases, floors)
    if lat is not None:
        say("")
        say("2. Latency: produced (handed to the producer) → decision read read_committed")
        row = [lat.guarantee, f"{lat.target_rate:,.0f}/s", f"{lat.achieved_rate:,.0f}/s",
               f"{lat.decisions:,}/{lat.orders:,}", f"{lat.quantile(0.5) * 1000:,.0f} ms",
               f"{lat.quantile(0.99) * 1000:,.0f} ms", f"{lat.quantile(1.0) * 1000:,.0f} ms",
               f"{lat.drain_seconds:.1f} s", f"{lat.service.cpu_seconds:.1f} s",
               _commit_cell(lat.service), _mib(lat.service.peak_rss_kib), lat.service.load,
               lat.service.note.strip() or "-"]  # fmt: skip
        header = ["guarantee", "offered", "achieved", "decisions", "p50", "p99", "max",
                  "drain after last", "service CPU", "commits × mean", "peak RSS", "load",
                  "note"]  # fmt: skip
        out.extend(_table(header, [row]))
        say("   where it goes (p50 / p99 / max):")
        parts = [("produced → decision record created by the service", lat.to_decision),
                 ("decision created → read committed (commit + fetch)", lat.to_visible),
                 ("produced → read committed (the figure above)", lat.latencies),
                 (f"the same, events after its first {STARTING_S:g} s", lat.after_start),
                 ]  # fmt: skip
        for name, values in parts:
            cells = " / ".join(f"{quantile(values, q) * 1000:,.0f}" for q in (0.5, 0.99, 1.0))
            say(f"     {name:<52} {cells} ms")
        if lat.drain_seconds > 2.0:
            capacity = max((t.events / t.seconds for t in phases if t.seconds), default=0.0)
            say(
                f"   the service did not keep up with {lat.target_rate:,.0f} events/s (it finished "
                f"{lat.drain_seconds:.0f} s after the last event"
                + (f"; phase 1 drained ≈{capacity:,.0f} events/s" if capacity else "")
                + "): these latencies are mostly queueing; try a lower --rate"
            )
    if res is not None:
        say("")
        say(
            f"3. Restore of {res.accounts:,} account books into fresh RocksDB stores "
            f"(in this process; load {res.load})"
        )
        memory = (f", +{res.memory_bytes / 2**20:,.0f} MiB "
                  f"({res.memory_bytes / max(res.books, 1):,.0f} B/book)")  # fmt: skip
        rows = [
            [f"changelog → store ({res.api})", f"{res.restore_seconds:.1f} s",
             f"{res.applied / res.restore_seconds if res.restore_seconds else 0:,.0f} books/s",
             f"{res.applied:,} records applied"],
            ["store → memory (processor.assign; a restart)", f"{res.assign_seconds:.1f} s",
             f"{res.books / res.assign_seconds if res.assign_seconds else 0:,.0f} books/s",
             f"{res.books:,} books{memory}"],
            ["first processor.flush() after assign", f"{res.flush_seconds:.1f} s", "",
             f"{res.flush_records:,} changelog records"],
            ["(setup) books produced to changelog", f"{res.produce_seconds:.1f} s", "", ""],
        ]  # fmt: skip
        if res.fresh_assign_seconds:
            rows.insert(2, [
                "read → memory (processor.assign; a new node)",
                f"{res.fresh_assign_seconds:.1f} s",
                f"{res.books / res.fresh_assign_seconds:,.0f} books/s",
                "what the restore read; timed after the restart's row, its books revoked",
            ])  # fmt: skip
        if res.decode_seconds:
            rows.insert(len(rows) - 2, [
                "(after ready) first use of every book", f"{res.decode_seconds:.1f} s",
                f"{res.books / res.decode_seconds:,.0f} books/s",
                f"decoded, {res.groups:,} groups summed, +{res.decoded_memory_bytes / 2**20:,.0f} "
                f"MiB; spread over the first event of each root",
            ])  # fmt: skip
        if (ref := res.reference) is not None:
            rows += [
                ["reference table → memory, first start", f"{ref.load_seconds:.1f} s",
                 f"{ref.per_second:,.0f} records/s",
                 f"{ref.records:,} records, {ref.customers:,} customers; snapshot written"],
                ["reference snapshot → memory, restart", f"{ref.restart_seconds:.1f} s", "",
                 "KafkaRuntime._start with its local snapshot"],
                ["reference snapshot → memory, new node", f"{ref.new_node_seconds:.1f} s", "",
                 "KafkaRuntime._start, no local state: the snapshot on Kafka"],
                ["(setup) reference records produced", f"{ref.produce_seconds:.1f} s", "", ""],
            ]  # fmt: skip
        out.extend(_table(["step", "time", "rate", ""], rows))
        if ref is not None:
            books = res.restore_seconds + (res.fresh_assign_seconds or res.assign_seconds)
            say(
                f"   a new node (no local state): {books + ref.new_node_seconds:.1f} s = reference "
                f"snapshot from Kafka {ref.new_node_seconds:.1f} s + books {books:.1f} s; a "
                f"restart with its local state: {ref.restart_seconds + res.assign_seconds:.1f} s "
                f"= reference snapshot {ref.restart_seconds:.1f} s + books "
                f"{res.assign_seconds:.1f} s; with no snapshot at all, the reference table takes "
                f"{ref.load_seconds:.1f} s"
            )
    for t in phases:
        _profile_lines(out, f"service profile, phase 1 {t.guarantee}", t.service)
    if lat is not None:
        _profile_lines(out, "service profile, phase 2", lat.service)
    if res is not None:
        for name, text in res.profiles.items():
            say("")
            say(f"cProfile of {name} (top by own time):")
            out.extend(line for line in text.splitlines() if line.strip())
    if TOPIC_RACES:
        say("")
        say(
            "ensure_topics failed with 'has 0 partitions' just after creating the topics of: "
            + ", ".join(TOPIC_RACES)
        )
    say("")
    say(f"total bench time {total:.0f} s")
    print("\n".join(out), flush=True)


def _floor_lines(out: list[str], phases: list[Throughput], floors: list[Floor]) -> None:
    """The same backlog through a loop of only the Kafka calls (``bench.kafka_floor``)."""
    if not floors:
        return
    out.extend(["", "   the floor: the same transaction events through both hops as bytes, with "
                "only the Kafka calls (bench.kafka_floor, in the bench process)"])  # fmt: skip
    service = {t.guarantee: t.events / t.seconds for t in phases if t.seconds}
    rows = []
    for f in floors:
        share = service.get(f.guarantee, 0.0) / f.per_second if f.per_second else 0.0
        per_event = 1e6 / f.per_second if f.per_second else 0.0
        rows.append([f.guarantee, f"{f.per_second:,.0f}", f"{per_event:.1f} µs",
                     f"{f.cpu_seconds:.1f} s", str(f.commits), f"{share:.0%}"])  # fmt: skip
    header = ["guarantee", "events/s", "wall per event", "CPU", "commits", "service / floor"]
    out.extend("   " + line for line in _table(header, rows))


def _profile_lines(out: list[str], title: str, figures: ServiceFigures) -> None:
    if figures.profile:
        out.extend(["", f"{title} (py-spy, % of samples):"])
        rows = [[name, f"{own:.1f}%", f"{total:.1f}%"] for name, own, total in figures.profile]
        out.extend(_table(["function", "own", "total"], rows))

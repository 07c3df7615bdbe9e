"""Runs of input records the native engine decides where they are read, at once
(``CreditProcessor.take_released`` / ``take_direct``, ``native/engine/src/direct.rs``).

A run must give exactly what deciding its records one by one gives: the same output records
(topic, key and value, byte for byte), the same books and changelog, the same counts. It
must stop before every record it may not decide, and leave that record to the record-by-record
path, which then decides, routes or dead-letters it as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError, Message
from hypothesis import HealthCheck, given, settings

from service.book_keys import book_key
from service.bootstrap import processor_for
from service.domain.events import INPUT_EVENT, TRANSACTION_TYPES
from service.domain.stored_books import StoredBookError
from service.errors import PoisonMessageError
from service.ledgers import PythonLedger
from service.loadgen import LoadConfig, generate, reference_events, transaction_events
from service.metrics import PrometheusMetrics
from service.publish import encoded
from service.runtime.memory import InMemoryRuntime
from service.runtime.merge import EventTimeMerge, Released
from service.settings import Settings
from tests.unit.native_logs import event_logs

pytest.importorskip("credit_native")

NATIVE = Settings(engine="native")
OUTPUT_TOPICS = [*NATIVE.topics.outputs(), NATIVE.topics.changelog, NATIVE.topics.by_root]


def settled(events: list[dict[str, Any]], settings: Settings, runs: bool) -> InMemoryRuntime:
    """The events through the in-memory runtime; ``runs=False``: record by record only."""
    runtime = InMemoryRuntime(settings)
    if not runs:
        runtime.processor.ledger.runs = False  # type: ignore[misc]
    runtime.publish(events)
    runtime.settle()
    return runtime


def published(runtime: InMemoryRuntime) -> dict[str, list[tuple[Any, ...]]]:
    return {topic: [(r.key, r.value, r.partition) for r in runtime.log[topic]]
            for topic in OUTPUT_TOPICS}  # fmt: skip


def counted_runs(runtime: InMemoryRuntime) -> list[int]:
    """Wraps ``take_direct``: the length of each run it decides, as they come."""
    lengths: list[int] = []
    take_direct = runtime.processor.take_direct

    def counting(*args: Any) -> Any:
        run = take_direct(*args)
        if run is not None and run.count:
            lengths.append(run.count)
        return run

    runtime.processor.take_direct = counting  # type: ignore[method-assign]
    return lengths


def test_runs_publish_what_record_by_record_publishes() -> None:
    """A generated load (groups, currencies, every transaction kind, profile changes)
    through the Python engine, the native one record by record, and the native one in runs:
    every output, changelog and by-root record the same, byte for byte."""
    events = list(generate(LoadConfig(seed=5, accounts=400, groups=12, events=6_000)))
    python = settled(events, Settings(), runs=True)  # the Python engine has no runs
    one_by_one = settled(events, NATIVE, runs=False)
    runtime = InMemoryRuntime(NATIVE)
    lengths = counted_runs(runtime)
    runtime.publish(events)
    runtime.settle()
    assert published(runtime) == published(one_by_one) == published(python)
    transactions = sum(1 for e in events if e["event_type"] in TRANSACTION_TYPES)
    assert sum(lengths) == transactions  # every one read natively, on a partition it owns
    assert len(lengths) < 10
    assert len(runtime.log[NATIVE.topics.orders_held]) > 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_logs())
def test_random_logs_in_runs_publish_what_record_by_record_publishes(
    events: list[dict[str, Any]],
) -> None:
    """Logs that reach every rule, with bad amounts (refused by the engine: each stops a run
    and goes to the dead-letter topic), redeliveries and membership moves."""
    one_by_one = settled(events, NATIVE, runs=False)
    in_runs = settled(events, NATIVE, runs=True)
    assert published(in_runs) == published(one_by_one)
    dead = [(r.key, r.value) for r in in_runs.log[NATIVE.topics.dead_letter]]
    assert dead == [(r.key, r.value) for r in one_by_one.log[NATIVE.topics.dead_letter]]


class Deciding:
    """A processor (on the native engine unless told) that owns every partition, reference
    data applied."""

    def __init__(self, load: LoadConfig, settings: Settings = NATIVE) -> None:
        self.metrics = PrometheusMetrics()
        self.processor = processor_for(settings, self.metrics)
        for partition in range(NATIVE.by_root_partitions):
            self.processor.assign(partition, iter([]))
        for offset, raw in enumerate(reference_events(load)):
            [(topic, _, value)] = encoded(NATIVE.topics, self.processor.codec, [raw])
            self.processor.apply_reference(self.processor.decode(topic, value), offset)
        self.ranks = {t: rank for rank, t in enumerate(NATIVE.topics.transaction_inputs())}
        self.outputs: list[tuple[str, bytes | None, bytes | None]] = []

    def released(self, raw: dict[str, Any], offset: int, natively: bool = True) -> Released:
        [(topic, _, value)] = encoded(NATIVE.topics, self.processor.codec, [raw])
        event = (
            self.processor.decode(topic, value) if natively else INPUT_EVENT.validate_python(raw)
        )
        return Released(None, event, None, self.ranks.get(topic, 9), 0, offset)

    def one(self, item: Released) -> None:
        """The record-by-record path, as the runtimes take it."""
        try:
            if item.error is not None:
                raise item.error
            step = self.processor.take_input(item.event, list, lambda p, r: True)
        except PoisonMessageError:
            self.outputs.append(("dead letter", None, None))
            return
        self.outputs += [(r.topic, r.key, r.value)
                         for r in self.processor.encode_outputs(step.outputs)]  # fmt: skip

    def run_done(self, run: Any, seconds: float) -> None:
        self.outputs += run.records

    def counts(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        self.metrics.flush()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for metric in self.metrics.registry.collect() for s in metric.samples
                if s.name.endswith("_total")}  # fmt: skip


def test_a_run_stops_before_each_record_it_may_not_decide() -> None:
    load = LoadConfig(seed=3, accounts=60, groups=3, events=400)
    transactions = list(transaction_events(load))
    orders = [e for e in transactions if e["event_type"] == "order_created"]
    invoices = [e for e in transactions if e["event_type"] == "invoice_posted"]
    deciding = Deciding(load)
    processor = deciding.processor
    fast = processor.direct_partitions(set(range(NATIVE.by_root_partitions)))
    assert fast == [True] * NATIVE.by_root_partitions
    elsewhere = orders[3]  # its root's partition may not decide at once
    fast[processor.home_of((elsewhere["company_id"], elsewhere["customer_id"]))] = False
    too_precise = {**invoices[1], "event_id": "too-precise", "amount": "10.001"}
    profile = next(e for e in reference_events(load) if e["event_type"] == "customer_upserted")
    items = [
        deciding.released(orders[0], 0), deciding.released(invoices[0], 1),
        deciding.released(orders[1], 2, natively=False),  # read by pydantic
        Released(None, None, PoisonMessageError("unreadable"), 0, 0, 3),
        deciding.released(profile, 4),  # reference data on a transaction topic
        deciding.released(elsewhere, 5),
        deciding.released(too_precise, 6),  # the engine refuses it
        deciding.released(orders[2], 7),
    ]  # fmt: skip
    assert [processor.take_direct(items, start, fast).count for start in range(8)] == [
        2, 1, 0, 0, 0, 0, 0, 1]  # fmt: skip
    run = processor.take_direct(items, 0, fast)  # decided already: ignored, counted again
    assert run.offsets == [(0, 0, 1), (1, 0, 2)] and run.accounts == []
    assert run.events_in == [(0, "order_created", 1), (1, "invoice_posted", 1)]
    assert run.ignored == [("invoice_posted", 1), ("order_created", 1)]


def test_a_run_stops_before_a_record_whose_stored_book_is_damaged() -> None:
    """A book restored from the store with damaged bytes: the run decides the records before
    it and stops there; the record-by-record path then fails with the store's error (not the
    record's: no dead letter), and the bytes stay for the next try."""
    load = LoadConfig(seed=3, accounts=60, groups=3, events=400)
    orders = [e for e in transaction_events(load) if e["event_type"] == "order_created"]
    deciding = Deciding(load)
    processor = deciding.processor
    fast = processor.direct_partitions(set(range(NATIVE.by_root_partitions)))
    root_of = processor.ledger.root_of
    first = (orders[0]["company_id"], orders[0]["customer_id"])
    damaged = next(o for o in orders  # a root of its own: the first order does not load it
                   if root_of((o["company_id"], o["customer_id"])) != root_of(first))  # fmt: skip
    account = (damaged["company_id"], damaged["customer_id"])
    list(processor.ledger.adopt_books([(book_key(account), b"\x03 damaged")], 4))
    items = [deciding.released(orders[0], 0), deciding.released(damaged, 1)]
    for _ in range(2):
        assert processor.take_direct(items, 1, fast).count == 0
        with pytest.raises(StoredBookError, match=account[1]):
            deciding.one(items[1])
    assert processor.take_direct(items, 0, fast).count == 1


def test_runs_count_and_publish_what_record_by_record_does() -> None:
    """Every counter the processor keeps, and every output record, the same either way, on
    a load with records a run must leave to the record-by-record path in between."""
    load = LoadConfig(seed=9, accounts=200, groups=6, events=3_000)
    transactions = list(transaction_events(load))
    results = []
    for runs in (False, True):
        deciding = Deciding(load)
        items = [deciding.released(raw, offset, natively=offset % 97 != 0)
                 for offset, raw in enumerate(transactions)]  # fmt: skip
        items[500] = Released(None, None, PoisonMessageError("unreadable"), 0, 0, 500)
        fast = deciding.processor.direct_partitions(set(range(NATIVE.by_root_partitions)))
        deciding.processor.take_released(items, fast if runs else None, deciding.one,
                                         deciding.run_done)  # fmt: skip
        results.append((deciding.outputs, deciding.counts(), sorted(deciding.processor.dirty)))
    assert results[0] == results[1]
    counts = results[1][1]
    decided = sum(1 for e in transactions if e["event_type"] in TRANSACTION_TYPES) - 1
    assert counts[("credit_input_paths_total", (("path", "direct"),))] == decided
    assert sum(n for (name, _), n in counts.items() if name == "credit_events_out_total") > 1_000


def test_records_the_engine_reads_are_buffered_as_the_loop_buffers_them() -> None:
    """``Ledger.buffer_inputs``: the event-time merge's entries, as ``RecordHandling._buffer``
    makes them, for a run of records the engine reads; it stops before a by-root record, a
    consume error, a record without a value, and one it leaves to Python."""
    load = LoadConfig(seed=4, accounts=50, groups=2, events=300)
    deciding = Deciding(load)
    ledger, inputs = deciding.processor.ledger, NATIVE.topics.transaction_inputs()
    records = [r for r in encoded(NATIVE.topics, deciding.processor.codec,
                                  transaction_events(load)) if r[0] in inputs]  # fmt: skip
    messages = [Message(topic=t, partition=n % 3, offset=n, key=k, value=v)
                for n, (t, k, v) in enumerate(records[:200])]  # fmt: skip
    merge = EventTimeMerge({t: rank for rank, t in enumerate(inputs)}, 0.5)
    assert ledger.buffer_inputs(messages, 0, merge.topic_rank, merge.buffers) == 200
    expected = EventTimeMerge(merge.topic_rank, 0.5)
    for message in messages:
        topic, offset, partition = message.topic() or "", message.offset(), message.partition()
        event = deciding.processor.decode(topic, message.value())
        key = expected.key(topic, offset or 0, event.occurred_at)
        item = (message, event, None, key.topic_rank, partition, offset)
        expected.add((topic, partition or 0), key, item)
    assert merge.buffers.keys() == expected.buffers.keys()
    for partition, buffer in merge.buffers.items():
        theirs = expected.buffers[partition]
        assert [key for key, _ in buffer] == [key for key, _ in theirs]
        assert [item[0] for _, item in buffer] == [item[0] for _, item in theirs]
        assert [item[2:] for _, item in buffer] == [item[2:] for _, item in theirs]
        assert [item[1].event_id for _, item in buffer] == [i[1].event_id for _, i in theirs]
    stops = [
        Message(topic=NATIVE.topics.by_root, partition=0, offset=1, key=b"G:x", value=b"{}"),
        Message(topic=inputs[0], partition=0, offset=2, value=None),
        Message(topic=inputs[0], partition=0, offset=3, value=b"not avro"),
        Message(topic=inputs[0], partition=0, offset=4, value=records[0][2],
                error=KafkaError(KafkaError._PARTITION_EOF)),
    ]  # fmt: skip
    for stop in stops:
        assert ledger.buffer_inputs([messages[0], stop, messages[1]], 1, merge.topic_rank,
                                    merge.buffers) == 0  # fmt: skip
    assert ledger.buffer_inputs([*stops, messages[1]], 4, merge.topic_rank, merge.buffers) == 1
    assert PythonLedger().buffer_inputs(messages, 0, merge.topic_rank, {}) is None


def test_books_flushed_at_once_are_what_book_by_book_gives() -> None:
    """``Ledger.flush_home_books`` stops before a book whose home moved, one whose root's
    partition is not owned (handed over) and an account without a book; the flush is the
    Python engine's, entry for entry."""
    load = LoadConfig(seed=6, accounts=80, groups=3, events=600)
    flushes = []
    for engine in (Settings(), NATIVE):
        deciding = Deciding(load, engine)
        processor = deciding.processor
        for offset, raw in enumerate(transaction_events(load)):
            if raw["event_type"] in TRANSACTION_TYPES:
                processor.take_input(deciding.released(raw, offset, natively=False).event, list,
                                     lambda p, r: True)  # fmt: skip
        accounts = sorted(processor.dirty)
        moved, handed, bookless = accounts[5], accounts[11], ("C9", "nobody")
        processor.book_home[moved] = (processor.home_of(moved) + 1) % NATIVE.by_root_partitions
        processor.owned.discard(processor.home_of(handed))
        processor.dirty.add(bookless)
        flush = processor.flush()
        flushes.append((flush.records, flush.changelog, flush.store_changes,
                        dict(processor.book_home)))  # fmt: skip
    assert flushes[0] == flushes[1]
    records, changelog, _, homes = flushes[1]
    assert ("credit.kind", b"handoff") in [r.headers[0] for r in records]
    assert len(changelog) > 40 and moved in homes and bookless not in homes


def test_accounts_are_sorted_as_python_sorts_them() -> None:
    """``NativeLedger.sorted_accounts`` (the flush's order): code point order, non-ASCII
    included; what is not two UTF-8 strings is left to ``sorted``."""
    from credit_native import NativeEngine

    accounts = {("C1", "B"), ("C1", "a"), ("C1", "é"), ("C1", "\U0001f600"), ("C1", "\uffff"),
                ("C0", "z"), ("C10", ""), ("C1", "A"), ("C1", "A\x00")}  # fmt: skip
    assert NativeEngine.sorted_accounts(accounts) == sorted(accounts)
    assert NativeEngine.sorted_accounts({("C1", "\ud800")}) is None  # a lone surrogate
    assert NativeEngine.sorted_accounts([("C1",)]) is None
    ledger = Deciding(LoadConfig(seed=1, accounts=5, groups=1, events=10)).processor.ledger
    assert ledger.sorted_accounts({("C1", "\ud800"), ("C0", "x")}) == [
        ("C0", "x"),
        ("C1", "\ud800"),
    ]

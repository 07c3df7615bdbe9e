"""Where reading resumes, on a real broker: a rewind to the last commit without a restart
(``KafkaRuntime._rewind``), and the ends a by-root partition is read to after an assignment."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from structlog.testing import capture_logs

from tests.contract.harness import KafkaHarness, as_multiset
from tests.contract.test_contract import replayed, scenario


def _lose_one_persist(runtime: Any) -> list[int]:
    """The next commit with book changes commits, but its changes never reach the local stores,
    and the commit after it renews the producer. That is what a commit that raised leaves
    behind when the renewed producer's ``init_transactions`` completes it after all (its
    request reached the coordinator, the reply was lost in the outage): the changes are
    dropped by the rewind, yet committed. The renewing commit waits until its batch has
    decided an order on a book the batch opened: the rewind must drop that book with the
    batch, or the order read again is a repeat and its decision is lost. Returns the changes
    lost (one count per commit)."""
    persist, commit, observe, lost = runtime._persist, runtime.commit, runtime._observe, []
    processor, opened = runtime.processor, []

    def losing() -> None:
        if not runtime._uncommitted:  # a commit of offsets alone: nothing to lose yet
            persist()
            return
        lost.append(sum(len(changes) for changes in runtime._uncommitted.values()))
        runtime._uncommitted.clear()
        runtime._pending_offsets = False
        runtime._outage = True  # the next commit renews the producer, then rewinds
        runtime._persist, runtime.commit, runtime._observe = persist, renewing, observing

    def observing(outputs: list[Any], seconds: float) -> None:
        observe(outputs, seconds)
        opened.extend(o for o in outputs if o.event_type in ("order_approved", "order_held")
                      and (o.company_id, o.customer_id) not in processor.book_home)  # fmt: skip

    def renewing() -> None:
        if opened:
            runtime.commit, runtime._observe = commit, observe
            commit()

    runtime._persist = losing
    return lost


def _first_order_alone(phases: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """The same events in the same order, the phase of the first order split after it."""
    for at, phase in enumerate(phases):
        orders = [i for i, event in enumerate(phase) if event["event_type"] == "order_created"]
        if orders:
            split = orders[0] + 1
            return [*phases[:at], phase[:split], phase[split:], *phases[at + 1 :]]
    raise AssertionError("no order in the scenario")


def test_a_rewind_restores_what_was_committed_after_the_stores(bootstrap_servers: str,
                                                               tmp_path: Path) -> None:  # fmt: skip
    phases = scenario(seed=21)
    # the first order alone: the commit of it loses its persist, and the batch after it opens
    # books (``_lose_one_persist``)
    feeds = _first_order_alone(phases[1:])
    harness = KafkaHarness(bootstrap_servers, tmp_path)
    try:
        harness.publish(phases[0])
        harness.settle()
        lost = _lose_one_persist(harness.runtime)
        with capture_logs() as logs:
            for feed in feeds:
                harness.publish(feed)
                harness.settle()
        assert lost and lost[0] > 0
        events = [entry["event"] for entry in logs]
        assert "renewing_producer_after_outage" in events
        assert "rewind_dropped_unflushed_books" in events
        expected, engine = replayed([e for phase in phases for e in phase])
        assert as_multiset(harness.outputs()) == as_multiset(expected)
        for account, book in engine.books.items():
            twin = harness.engine().present_book(account)
            assert twin is not None and twin.exposure(True) == book.exposure(True), account
        restored = [e for e in logs if e["event"] == "rewind_restored_committed_changes"]
        assert restored and restored[0]["changelog_records"] >= lost[0]
    finally:
        harness.close()


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_records_of_a_transaction_still_open_are_read_before_inputs_are_decided_directly(
        bootstrap_servers: str, tmp_path: Path) -> None:  # fmt: skip
    """A previous owner's transaction still open on a by-root partition at assignment may yet
    commit: its records belong before the inputs decided here, so the partition counts as
    read only past them (the high watermark, not the last stable offset)."""
    harness = KafkaHarness(bootstrap_servers, tmp_path, start=False)
    by_root = harness.settings.topics.by_root
    stalled_id = f"{harness.settings.application_id}-stalled"
    stalled = Producer({"bootstrap.servers": bootstrap_servers, "transactional.id": stalled_id})
    stalled.init_transactions(30)
    stalled.begin_transaction()
    stalled.produce(by_root, b"not a by-root record", b"G-somewhere", partition=2)
    stalled.flush(10)
    try:
        harness.start()
        progress = harness.runtime.by_root_progress
        _wait_for(lambda: len(progress.read) == 4)  # the by-root partitions are assigned
        assert progress.needed.get(2) == 1  # past the open record, not stopped at it
        time.sleep(0.5)
        assert 2 in progress.needed  # still waiting for it: nothing stable to read past yet
        stalled.commit_transaction(30)
        _wait_for(lambda: 2 not in progress.needed)
        assert progress.read[2] >= 1
    finally:
        harness.close()

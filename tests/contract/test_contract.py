"""The service's contract, run on the in-memory runtime and on a real Kafka broker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.domain.engine import CreditEngine
from service.domain.snapshot import book_to_bytes
from service.ledgers import PythonLedger
from service.loadgen import LoadConfig, reference_events, transaction_events
from service.publish import input_topic
from service.replay import replay_lines
from service.serialize import output_record
from service.settings import Topics
from tests.contract.harness import (
    Harness,
    KafkaHarness,
    MemoryHarness,
    as_multiset,
    book_summary,
    books_of,
)

TOPIC_ORDER = [
    "credit.reference", "credit.orders.created", "credit.invoices.posted",
    "credit.payments.posted", "credit.orders.cancelled", "credit.holds.decided",
]  # fmt: skip


def _harness(request: pytest.FixtureRequest, tmp_path: Path, start: bool) -> Harness:
    runtime, _, engine = request.param.partition(":")  # the Python engine unless named
    if runtime.startswith("memory"):  # every input decided directly, or routed
        return MemoryHarness(direct_decisions=runtime == "memory", engine=engine or "python")
    bootstrap = request.getfixturevalue("bootstrap_servers")
    return KafkaHarness(bootstrap, tmp_path / "state", start=start, engine=engine or "python")


RUNTIMES = [
    "memory", "memory-by-root", "memory:native", "memory-by-root:native",
    pytest.param("kafka", marks=pytest.mark.kafka),
    pytest.param("kafka:native", marks=pytest.mark.kafka),
]  # fmt: skip


@pytest.fixture(params=RUNTIMES)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    made = _harness(request, tmp_path, start=True)
    yield made
    made.close()


@pytest.fixture(params=RUNTIMES)
def idle_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """A runtime that starts only when the test says: inputs can pile up first."""
    made = _harness(request, tmp_path, start=False)
    yield made
    made.start()
    made.close()


def phased(events: list[dict[str, Any]], chunk: int) -> list[list[dict[str, Any]]]:
    """Chunks of the stream, each split by input topic in a fixed order: within a phase the
    order is the file's, and phases are settled one after the other, so any runtime sees the
    same order as ``replay`` of the concatenated phases."""
    topics = Topics()
    phases = []
    for start in range(0, len(events), chunk):
        part = events[start : start + chunk]
        for topic in TOPIC_ORDER:
            phase = [e for e in part if input_topic(topics, e["event_type"]) == topic]
            if phase:
                phases.append(phase)
    return phases


def replayed(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], CreditEngine]:
    engine = CreditEngine()
    outputs = replay_lines([json.dumps(e) for e in events], engine)
    return [output_record(o) for o in outputs], engine  # type: ignore[arg-type]


def run_phases(harness: Harness, phases: list[list[dict[str, Any]]]) -> None:
    for phase in phases:
        harness.publish(phase)
        harness.settle()


def scenario(seed: int = 3) -> list[list[dict[str, Any]]]:
    config = LoadConfig(seed=seed, accounts=120, groups=8, companies=2, events=500, days=20)
    return [list(reference_events(config)), *phased(list(transaction_events(config)), 250)]


def test_outputs_equal_what_replay_prints(harness: Harness) -> None:
    phases = scenario()
    run_phases(harness, phases)
    expected, engine = replayed([e for phase in phases for e in phase])
    assert len(expected) > 100
    assert as_multiset(harness.outputs()) == as_multiset(expected)
    books = books_of(harness.ledger())
    assert books == {a: book_summary(book_to_bytes(book)) for a, book in engine.books.items()}


def test_a_poison_message_goes_to_the_dead_letter_topic(harness: Harness) -> None:
    topics = harness.settings.topics
    harness.publish(scenario()[0])
    harness.settle()
    harness.publish_raw(topics.orders_created, b"C:X", b"\xc3\x01not avro at all")
    order = {"event_id": "ok-1", "event_type": "order_created",
             "occurred_at": "2026-03-03T10:00:00Z", "order_id": "o-after-poison",
             "company_id": "US01", "customer_id": "nobody", "amount": "10.00", "currency": "USD",
             "payment_type": "on_account"}  # fmt: skip
    harness.publish([order])
    harness.settle()
    [(value, headers)] = harness.dead_letters()
    assert value == b"\xc3\x01not avro at all"
    assert headers["source.topic"] == topics.orders_created.encode()
    assert headers["source.offset"] == b"0"
    assert b"fingerprint" in headers["error.message"] or b"schema" in headers["error.message"]
    assert [o["order_id"] for o in harness.outputs() if o["event_type"] == "order_held"] == [
        "o-after-poison"
    ]


def test_a_duplicate_delivery_changes_nothing(harness: Harness) -> None:
    reference, transactions = scenario()[0], scenario()[1]
    harness.publish(reference)
    harness.settle()
    harness.publish(transactions)
    harness.settle()
    first = as_multiset(harness.outputs())
    books = books_of(harness.ledger())
    harness.publish(transactions)  # the same events again: redelivered upstream
    renamed = [e | {"event_id": f"again-{e['event_id']}"} for e in transactions]
    harness.publish(renamed)  # the same business ids under new event ids
    harness.settle()
    assert as_multiset(harness.outputs()) == first
    assert books_of(harness.ledger()) == books


def test_a_membership_change_while_orders_flow(harness: Harness) -> None:
    """An account moves from one group to another between order phases; every balance and
    decision matches replay, and no exposure is counted in two groups or lost."""
    phases = scenario(seed=5)
    reference = phases[0]
    mover = next(e for e in reference if e["event_type"] == "customer_upserted"
                 and e.get("credit_group_id"))  # fmt: skip
    groups = sorted({e["group_id"] for e in reference if e["event_type"] == "group_upserted"})
    target = next(g for g in groups if g != mover["credit_group_id"])
    move = mover | {"event_id": "move-1", "credit_group_id": target,
                    "occurred_at": "2026-03-10T12:00:00Z"}  # fmt: skip
    orders = [p for p in phases[1:] if p[0]["event_type"] == "order_created"]
    account_orders = [
        {"event_id": f"mo-{i}", "event_type": "order_created", "occurred_at": at,
         "order_id": f"mover-{i}", "company_id": mover["company_id"],
         "customer_id": mover["customer_id"], "amount": "100.00",
         "currency": mover["currency"], "payment_type": "on_account"}
        for i, at in enumerate(["2026-03-09T09:00:00Z", "2026-03-11T09:00:00Z"])
    ]  # fmt: skip
    sequence = [reference, orders[0] + account_orders[:1], [move], orders[1] + account_orders[1:]]
    run_phases(harness, sequence)
    expected, engine = replayed([e for phase in sequence for e in phase])
    assert as_multiset(harness.outputs()) == as_multiset(expected)
    account = (mover["company_id"], mover["customer_id"])
    assert harness.ledger().root_of(account) == f"G:{target}"
    for group_id in groups:
        mine = harness.ledger().group_balances(group_id)
        assert mine == PythonLedger(engine).group_balances(group_id), group_id
        assert mine[0], group_id  # every group holds balances: the comparison says something


def test_a_backlog_across_topics_is_decided_in_event_time_order(idle_harness: Harness) -> None:
    """Orders, invoices and payments of one account sit on different topics; published all
    at once, they are still applied by occurred_at, so decisions equal replay of the events
    in that order (ties: the topic order of CONTRACT.md, then the file order)."""
    config = LoadConfig(seed=4, accounts=80, groups=6, companies=2, events=700, days=15)
    reference, transactions = list(reference_events(config)), list(transaction_events(config))
    idle_harness.publish(reference)
    idle_harness.publish(transactions)
    idle_harness.start()
    idle_harness.settle()
    rank = {topic: n for n, topic in enumerate(TOPIC_ORDER)}
    topics = Topics()
    in_time = sorted(
        enumerate(transactions),
        key=lambda item: (item[1]["occurred_at"], rank[input_topic(topics, item[1]["event_type"])],
                          item[0]),
    )  # fmt: skip
    expected, _ = replayed(reference + [event for _, event in in_time])
    assert as_multiset(idle_harness.outputs()) == as_multiset(expected)

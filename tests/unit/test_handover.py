"""Membership moves between roots that two instances own (``service.handover``).

Two ``CreditProcessor``s share one log, as two service instances share a broker: each owns
some by-root partitions, reads the whole reference table, and commits on its own schedule.
The tests choose the interleavings a real cluster can produce, including the bad ones: the
new group's owner learns of the move before the old owner has handed the book over.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from typing import Any

import pytest

from service.bootstrap import codec_for, ledger_for
from service.domain.events import INPUT_EVENT
from service.domain.snapshot import book_from_bytes
from service.domain.stored_books import StoredBookError
from service.errors import PoisonMessageError
from service.handover import reference_position
from service.ledgers import NativeOutput
from service.metrics import NullMetrics
from service.ports import Record
from service.processor import CreditProcessor
from service.runtime.by_root_progress import ByRootProgress
from service.serialize import output_record
from service.settings import Settings
from service.stores import InMemoryStateStore
from tests.unit.rules_dsl import Scenario

PARTITIONS = 4
SETTINGS = Settings()
TOPICS = SETTINGS.topics
CODEC = codec_for(SETTINGS)


@pytest.fixture(autouse=True, params=["python", "native"])
def engine(request: pytest.FixtureRequest) -> str:
    """Every test runs with each engine behind the processor (``service.ledgers``)."""
    Instance.engine = request.param
    return Instance.engine


def group_on(partition: int) -> str:
    """A group id whose root lives on ``partition``."""
    for n in range(10_000):
        name = f"G{n}"
        if zlib.crc32(f"G:{name}".encode()) % PARTITIONS == partition:
            return name
    raise AssertionError("no such group")


class Cluster:
    """The shared log: the reference table and the by-root partitions; changelog as stores."""

    def __init__(self) -> None:
        self.reference: list[dict[str, Any]] = []
        self.by_root: dict[int, list[Record]] = defaultdict(list)
        self.stores = {p: InMemoryStateStore() for p in range(PARTITIONS)}

    def append(self, records: list[Record]) -> None:
        for record in records:
            if record.topic == TOPICS.by_root:
                assert record.partition is not None
                self.by_root[record.partition].append(record)


class HandoverCounts(NullMetrics):
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()

    def handover(self, kind: str) -> None:
        self.kinds[kind] += 1

    def input_path(self, path: str) -> None:
        self.paths[path] += 1


class Instance:
    direct = False  # inputs decided where they are read when they may be (``path`` below)
    engine = "python"  # which engine decides (the ``engine`` fixture sets it)

    def __init__(self, cluster: Cluster, owned: list[int],
                 committed: dict[int, int] | None = None) -> None:  # fmt: skip
        self.cluster = cluster
        self.metrics = HandoverCounts()
        ledger = ledger_for(SETTINGS.model_copy(update={"engine": self.engine}), CODEC)
        self.processor = CreditProcessor(TOPICS, PARTITIONS, CODEC, self.metrics, ledger)
        self.applied = 0
        self.apply_reference()  # the whole table first, as the Kafka runtime does
        self.read: dict[int, int] = {}
        for partition in owned:
            self.processor.assign(partition, cluster.stores[partition].items())
            self.read[partition] = (committed or {}).get(partition, 0)
        self.committed = dict(self.read)
        self.decided: list[Any] = []  # OutputEvent or NativeOutput

    @property
    def parked(self) -> int:
        return self.metrics.kinds["parked"]

    def apply_reference(self, upto: int | None = None) -> None:
        end = len(self.cluster.reference) if upto is None else upto
        while self.applied < end:
            event = INPUT_EVENT.validate_python(self.cluster.reference[self.applied])
            self.processor.apply_reference(event, self.applied)
            self.applied += 1

    def route(self, event: dict[str, Any]) -> None:
        """This instance's view of the root picks the by-root partition, or decides it here."""
        validated = INPUT_EVENT.validate_python(event)
        if not self.direct:
            self.cluster.append([self.processor.route(validated, [])])
            return
        step = self.processor.take_input(validated, list, self.clear)
        self.decided += step.outputs
        self.cluster.append(step.records)

    def clear(self, partition: int, root: bytes) -> bool:
        """As the Kafka runtime asks: the reference table applied to its end, and nothing of
        the partition left to read."""
        return (self.applied == len(self.cluster.reference)
                and self.read[partition] == len(self.cluster.by_root[partition]))  # fmt: skip

    def consume(self, partition: int, upto: int | None = None) -> None:
        """Every record of ``partition`` written so far (before offset ``upto``), in order."""
        records = self.cluster.by_root[partition][self.read[partition] : upto]
        for offset, record in enumerate(records, start=self.read[partition]):
            self.apply_reference(max(self.applied, reference_position(record.headers)))
            step = self.processor.process(partition, offset, record.key, record.value,
                                          record.headers)  # fmt: skip
            self.decided += step.outputs
            self.cluster.append(step.records)
        self.read[partition] += len(records)

    def commit(self) -> None:
        flush = self.processor.flush()
        self.cluster.append(flush.records)
        for partition, changes in flush.store_changes.items():
            self.cluster.stores[partition].write(changes, 0)
        for partition, read in self.read.items():  # the consumer offsets, in the same commit
            floor = self.processor.parked_floor(partition)
            self.committed[partition] = read if floor is None else min(read, floor)

    def settle(self, rounds: int = 6) -> None:
        for _ in range(rounds):
            for partition in sorted(self.read):
                self.consume(partition)
            self.commit()


@pytest.fixture(autouse=True, params=["by_root", "direct"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: inputs always routed, and decided where read when they may be."""
    monkeypatch.setattr(Instance, "direct", request.param == "direct")
    return str(request.param)


def as_record(output: Any) -> dict[str, Any]:
    """An output of either engine as a contract record."""
    if isinstance(output, NativeOutput):  # single-object framing: any output topic reads it
        topic = TOPICS.orders_approved
        return CODEC.decode(topic, CODEC.output_header(topic, output.event_type) + output.body)
    return output_record(output)


def settle(*instances: Instance) -> None:
    for _ in range(6):
        for instance in instances:
            instance.settle(rounds=1)


def decisions(outputs: list[Any]) -> dict[str, str]:
    found = {}
    for output in outputs:
        record = as_record(output)
        if record["event_type"] in ("order_approved", "order_held"):
            found[record["order_id"]] = record["event_type"]
    return found


def two_groups_on_two_instances() -> tuple[Scenario, Cluster, Instance, Instance, str, str]:
    """G_old on partition 0 (instance A owns 0, 1), G_new on 2 (instance B owns 2, 3)."""
    old, new = group_on(0), group_on(2)
    s = Scenario()
    s.company("C1", "EUR")
    s.group(old, 10_000, mode="group")
    s.group(new, 1_000, mode="group")
    s.customer("X", group=old)
    s.customer("Y", group=new)
    cluster = Cluster()
    cluster.reference += s.inputs
    a, b = Instance(cluster, [0, 1]), Instance(cluster, [2, 3])
    s.invoice("X", 900)  # X's exposure: 900, counted in G_old
    a.route(s.inputs[-1])
    settle(a, b)
    return s, cluster, a, b, old, new


def test_the_new_group_waits_for_the_members_book_before_deciding() -> None:
    s, cluster, a, b, old, new = two_groups_on_two_instances()
    assert a.processor.ledger.group_balances(old)[0]  # the invoice is in G_old at A

    s.customer("X", group=new)  # the move; the replay oracle applies it now
    cluster.reference.append(s.inputs[-1])
    b.apply_reference()  # B learns of the move first; A has not read it yet
    held = s.order("Y", 200)  # 900 + 200 > 1,000: the replay holds it
    assert held[0].event_type == "order_held"
    b.route(s.inputs[-1])
    b.settle(rounds=3)  # B must not decide: X's book is still at A
    assert decisions(b.decided).get(s.last_order_id or "") is None
    assert b.parked == 1

    a.apply_reference()
    a.commit()  # the hand-over, then the barrier
    settle(a, b)
    assert decisions(b.decided)[s.last_order_id or ""] == "order_held"
    assert b.processor.ledger.group_balances(new)[0] == {("EUR", "C1"): (90_000, 0)}
    moved = b.processor.ledger.book_bytes(("C1", "X"))
    assert moved is not None and book_from_bytes(moved).exposure(True) == 90_000
    assert not a.processor.ledger.has_book(("C1", "X"))
    assert a.processor.ledger.group_balances(old) == ({}, {})


def test_a_root_keeps_its_order_while_it_waits() -> None:
    s, cluster, a, b, _old, new = two_groups_on_two_instances()
    s.customer("X", group=new)
    cluster.reference.append(s.inputs[-1])
    b.apply_reference()
    orders = []
    for amount in (50, 60, 70):  # fits alone, but not after X's 900 arrives: 950 / 1,010
        expected = s.order("Y", amount)
        orders.append((s.last_order_id, expected[0].event_type))
        b.route(s.inputs[-1])
        b.settle(rounds=1)
    a.apply_reference()
    a.commit()
    settle(a, b)
    assert [(o, decisions(b.decided)[o or ""]) for o, _ in orders] == orders
    assert [kind for _, kind in orders] == ["order_approved", "order_held", "order_held"]
    # the bookkeeping is back to rest: nothing parked, offsets committed to the end
    assert b.parked == 3 and b.processor.parked_floor(2) is None
    assert b.committed == b.read


def test_an_input_comes_after_the_record_of_its_root_still_to_be_read(path: str) -> None:
    """The hand-over and the barrier are read, so the root no longer waits, but an order of
    the root that was routed while it waited is still to be read: the next order must not
    overtake it (``clear``), or the first would be decided on the second's exposure."""
    s, cluster, a, b, _old, new = two_groups_on_two_instances()
    s.customer("X", group=new)
    cluster.reference.append(s.inputs[-1])
    a.apply_reference()
    a.commit()  # X's book and the barrier go to partition 2 before B has read the move
    b.apply_reference()
    expected = [s.order("Y", 50)[0].event_type]  # 950 with X's 900: approved
    ids = [s.last_order_id or ""]
    b.route(s.inputs[-1])  # B has not read the barrier: the root waits, the order is routed
    b.consume(2, upto=len(cluster.by_root[2]) - 1)  # the hand-over and the barrier only
    assert not b.processor.handover.must_park(f"G:{new}", 2)
    expected.append(s.order("Y", 60)[0].event_type)  # 1,010: held
    ids.append(s.last_order_id or "")
    b.route(s.inputs[-1])
    settle(a, b)
    assert [decisions(b.decided)[i] for i in ids] == expected == ["order_approved", "order_held"]
    assert b.metrics.paths["direct"] == 0  # (each order was routed)
    if path == "direct":
        s.order("Y", 1)
        b.route(s.inputs[-1])  # everything read: now it is decided at once
        assert b.metrics.paths["direct"] == 1


def test_a_record_routed_by_an_instance_behind_is_forwarded_to_the_new_root() -> None:
    s, cluster, a, b, old, new = two_groups_on_two_instances()
    s.customer("X", group=new)
    cluster.reference.append(s.inputs[-1])
    expected = s.order("X", 150)  # in G_new: 900 + 150 > 1,000
    a.route(s.inputs[-1])  # A has not read the move: it routes to G_old's partition
    assert cluster.by_root[0][-1].key == f"G:{old}".encode()
    a.apply_reference()
    b.apply_reference()
    settle(a, b)
    assert decisions(b.decided)[s.last_order_id or ""] == expected[0].event_type == "order_held"
    assert s.last_order_id not in decisions(a.decided)


def test_waiting_survives_a_restart_of_the_new_owner() -> None:
    s, cluster, a, b, _old, new = two_groups_on_two_instances()
    s.customer("X", group=new)
    cluster.reference.append(s.inputs[-1])
    b.apply_reference()
    expected = s.order("Y", 200)
    b.route(s.inputs[-1])
    other = next(f"V{n}" for n in range(1000)
                 if zlib.crc32(f"A:C1:V{n}".encode()) % PARTITIONS == 2)  # fmt: skip
    s.customer(other, 1_000)
    cluster.reference.append(s.inputs[-1])
    b.apply_reference()
    s.order(other, 5)  # another root of partition 2, decided while the first waits
    b.route(s.inputs[-1])
    b.settle(rounds=2)  # parked, and committed: the offsets stop before the parked order
    parked_at = b.processor.parked_floor(2)
    assert parked_at is not None and b.committed[2] == parked_at < b.read[2]
    decided_before = decisions(b.decided)
    assert len(decided_before) == 1
    reborn = Instance(cluster, [2, 3], committed=b.committed)  # B restarts (kill -9)
    assert reborn.processor.handover.parked_before[2] == {parked_at}
    a.apply_reference()
    a.commit()
    settle(a, reborn)
    assert decisions(reborn.decided) == {expected[0].order_id: expected[0].event_type}  # type: ignore[union-attr]
    # the order decided before the restart was not decided again; its book is as replay's
    book = reborn.processor.ledger.book_bytes(("C1", other))
    assert book is not None and book_from_bytes(book).exposure(True) == 500


def test_a_chain_of_moves_waits_for_the_book_at_every_hop() -> None:
    """X moves G0 → G1 → G2; G1 and G2 are owned by one instance, G0 by the other. The book
    is still on its way into G1 when it moves on to G2: G2 must wait for it too."""
    first, middle = group_on(0), group_on(2)
    last = group_on(3)
    s = Scenario()
    s.company("C1", "EUR")
    s.group(first, 10_000, mode="group")
    s.group(middle, 10_000, mode="group")
    s.group(last, 1_000, mode="group")
    s.customer("X", group=first)
    s.customer("Z", group=last)
    cluster = Cluster()
    cluster.reference += s.inputs
    a, b = Instance(cluster, [0, 1]), Instance(cluster, [2, 3])
    s.invoice("X", 900)
    a.route(s.inputs[-1])
    settle(a, b)
    s.customer("X", group=middle)
    s.customer("X", group=last)
    cluster.reference += s.inputs[-2:]
    b.apply_reference()
    expected = s.order("Z", 200)
    b.route(s.inputs[-1])
    b.settle(rounds=3)
    assert s.last_order_id not in decisions(b.decided) and b.parked == 1
    a.apply_reference()
    settle(a, b)
    assert decisions(b.decided)[s.last_order_id or ""] == expected[0].event_type == "order_held"


def history(waves: int) -> tuple[Scenario, Cluster]:
    """200 accounts join 12 groups spread over the partitions; then ``waves`` times a third
    of them move on to another group or leave theirs."""
    s = Scenario()
    s.company("C1", "EUR")
    groups = [group_on(n % PARTITIONS) + f"x{n}" for n in range(12)]
    for group in groups:
        s.group(group, 1_000_000, mode="group")
    for n in range(200):
        s.customer(f"C{n}", group=groups[n % len(groups)])
    for wave in range(waves):
        for n in range(wave, 200, 3):
            moved = (n + wave) % 5 != 0
            s.customer(f"C{n}", group=groups[(n * 7 + wave + 1) % len(groups)] if moved else None)
    cluster = Cluster()
    cluster.reference += s.inputs
    return s, cluster


def rounds_to_settle(*instances: Instance, limit: int = 50) -> int:
    """Rounds of (every instance commits its barriers, then reads the others') until no root
    of an owned partition waits."""
    for rounds in range(limit):
        if not any(i.processor.handover.waiting(root, t) for i in instances for t in i.read
                   for root in i.processor.handover.awaited.get(t, {})):  # fmt: skip
            return rounds
        for instance in instances:
            instance.commit()
        for instance in instances:
            for partition in sorted(instance.read):
                instance.consume(partition)
    raise AssertionError("the barriers do not settle")


def test_a_history_of_joins_read_at_start_up_is_settled_by_one_round_of_barriers() -> None:
    """Instances start with every move of the reference table awaited (their stores may be
    older than the table). Where each account only joined its group, one round settles all,
    and orders are then decided without a wait."""
    s, cluster = history(waves=0)
    a, b = Instance(cluster, [0, 1]), Instance(cluster, [2, 3])
    assert rounds_to_settle(a, b) == 1
    for n in range(40):
        s.order(f"C{n}", 10)
        (a if n % 2 else b).route(s.inputs[-1])
    for instance in (a, b):
        for partition in sorted(instance.read):
            instance.consume(partition)
    assert a.parked == b.parked == 0
    assert len(decisions(a.decided)) + len(decisions(b.decided)) == 40


def test_a_history_of_moves_read_at_start_up_settles_in_a_few_rounds() -> None:
    """Accounts that moved again chain their barriers: more rounds, still a handful."""
    _, cluster = history(waves=2)
    assert 1 < rounds_to_settle(Instance(cluster, [0, 1]), Instance(cluster, [2, 3])) <= 10


def test_records_read_again_after_a_restart_are_skipped_unless_they_were_parked() -> None:
    """The committed offset stopped at a parked record (5); records up to 10 were applied
    and committed. Read again, a hand-over (not idempotent: it adds a book) is skipped, the
    parked order is taken up, and records after 10 are new."""
    s, cluster, _, b, _old, new = two_groups_on_two_instances()
    b.commit()
    cluster.stores[2].write({b"q": b'{"through": 10, "parked": [5]}'}, 0)
    reborn = Instance(cluster, [2, 3])
    assert reborn.processor.parked_floor(2) == 5
    book = Record(TOPICS.by_root, b"b\x1fC1\x1fY", b"ignored", 2, [("credit.kind", b"handoff")])
    assert reborn.processor.process(2, 7, book.key, book.value, book.headers).outputs == []
    assert reborn.processor.ledger.book_bytes(("C1", "Y")) is None  # skipped: not even read
    order = s.build("order_created", order_id="o-parked", company_id="C1", customer_id="Y",
                    amount="10", currency="EUR", payment_type="on_account")  # fmt: skip
    value = INPUT_EVENT.validate_python(order).model_dump_json().encode()
    step = reborn.processor.process(2, 5, f"G:{new}".encode(), value, [])
    assert [o.event_type for o in step.outputs] == ["order_approved"]
    assert reborn.processor.parked_floor(2) is None
    with pytest.raises(PoisonMessageError):  # offset 11 is new: read, and found unreadable
        reborn.processor.process(2, 11, book.key, b"not a book", book.headers)


def test_a_damaged_book_held_here_stops_a_handoff_and_is_no_poison() -> None:
    """The store of partition 2 holds damaged bytes for Y. A valid hand-over of Y's book is
    not the record at fault: it must not go to the dead letters (its old home has already
    let the book go); the damage stops the processor, and the bytes stay for the next use."""
    _s, cluster, a, b, _old, _new = two_groups_on_two_instances()
    handed = a.processor.ledger.book_bytes(("C1", "X"))
    assert handed is not None and b.processor.ledger.book_bytes(("C1", "X")) is None
    cluster.stores[2].write({b"b\x1fC1\x1fX": b"\x03 damaged"}, 0)
    reborn = Instance(cluster, [2, 3])
    book = Record(TOPICS.by_root, b"b\x1fC1\x1fX", handed, 2, [("credit.kind", b"handoff")])
    offset = len(cluster.by_root[2]) + 1
    for again in range(2):  # the bytes stay held: every use fails alike
        with pytest.raises(StoredBookError, match="C1"):
            reborn.processor.process(2, offset + again, book.key, book.value, book.headers)
    with pytest.raises(PoisonMessageError, match="unreadable handoff"):  # the record at fault
        b.processor.process(2, offset, book.key, b"\x03 no book", book.headers)


def test_after_reading_its_partitions_an_instance_drops_waits_between_them() -> None:
    """One instance owning every partition, started on a history of moves: once its by-root
    partitions are read to their ends, no book can still be on its way between them, so no
    root waits (``settle_local``); moves from a partition owned elsewhere still wait."""
    _, cluster = history(waves=2)
    alone = Instance(cluster, [0, 1, 2, 3])
    handover = alone.processor.handover
    assert any(handover.waiting(r, t) for t in range(PARTITIONS) for r in handover.awaited[t])
    handover.settle_local({0, 1, 2, 3})
    assert not any(handover.waiting(r, t) for t in range(PARTITIONS) for r in handover.awaited[t])

    _, cluster = history(waves=2)
    a = Instance(cluster, [0, 1, 2])  # partition 3 is another instance's
    handover = a.processor.handover
    handover.settle_local({0, 1, 2})
    waiting = {(t, r) for t in (0, 1, 2) for r in handover.awaited.get(t, {})
               if handover.waiting(r, t)}  # fmt: skip
    # the partitions into which a book may still come from partition 3
    awaited = handover.awaited
    exposed = {s for s in (0, 1, 2) if any(3 in o for o in awaited.get(s, {}).values())}
    assert waiting and all(any(s == 3 or s in exposed for s in handover.awaited[t][r])
                           for t, r in waiting)  # fmt: skip


class KafkaLike(Instance):
    """``clear`` as the Kafka runtime asks it (``ByRootProgress``: what this instance sent
    there for the root, not read back yet), with the reference table said to be behind or not."""

    def __init__(self, cluster: Cluster, owned: list[int]) -> None:
        super().__init__(cluster, owned)
        self.progress = ByRootProgress()
        for partition in self.read:
            self.progress.start(partition, 0, 0)
        self.delivered: dict[tuple[int, bytes], int] = {}
        self.reference_current = True

    def route(self, event: dict[str, Any]) -> None:
        step = self.processor.take_input(INPUT_EVENT.validate_python(event), list, self.clear)
        self.decided += step.outputs
        for record in step.records:
            assert record.partition is not None and record.key is not None
            self.delivered[(record.partition, record.key)] = len(
                self.cluster.by_root[record.partition])  # fmt: skip
        self.cluster.append(step.records)

    def clear(self, partition: int, root: bytes) -> bool:
        return self.reference_current and self.progress.clear(partition, root, set(),
                                                              self.delivered)  # fmt: skip

    def consume(self, partition: int, upto: int | None = None) -> None:
        start = self.read[partition]
        super().consume(partition, upto)
        for offset in range(start, self.read[partition]):
            self.progress.handled(partition, offset)


def test_an_account_that_joins_a_group_comes_after_its_records_under_the_old_root() -> None:
    """X's invoice is routed (the reference table was behind) under X's own root; X then
    joins a group whose root is on the same partition. Its order must wait for the invoice."""
    own = "A:C1:X"
    partition = zlib.crc32(own.encode()) % PARTITIONS
    group = group_on(partition)
    s = Scenario()
    s.company("C1", "EUR")
    s.group(group, 1_000, mode="group")
    s.customer("X", 10_000)
    cluster = Cluster()
    cluster.reference += s.inputs
    alone = KafkaLike(cluster, list(range(PARTITIONS)))
    s.invoice("X", 900)
    alone.reference_current = False  # (``reference_behind_inputs``): routed
    alone.route(s.inputs[-1])
    alone.reference_current = True
    s.customer("X", 10_000, group=group)
    cluster.reference.append(s.inputs[-1])
    alone.apply_reference()
    expected = s.order("X", 200)[0].event_type  # 900 + 200 > 1,000
    alone.route(s.inputs[-1])
    alone.settle()
    assert decisions(alone.decided)[s.last_order_id or ""] == expected == "order_held"
    s.order("X", 10)
    alone.route(s.inputs[-1])  # the invoice is read back: decided where read again
    assert alone.metrics.paths == {"by_root": 2, "direct": 1}

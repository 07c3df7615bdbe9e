"""A reference snapshot plus the records after it gives the state, and the decisions, that a
load of the whole reference table gives (``service.runtime.reference_snapshot``)."""

from __future__ import annotations

import dataclasses
from array import array
from collections import deque
from collections.abc import Iterable
from typing import Any

import pytest

from service.bootstrap import processor_for
from service.domain.events import INPUT_EVENT, TRANSACTION_TYPES
from service.loadgen import LoadConfig, reference_events, transaction_events
from service.processor import CreditProcessor
from service.publish import native
from service.runtime import reference_snapshot as snapshot
from service.settings import Settings

TOPIC, TOPIC_ID = "credit.reference", "aW5jYXJuYXRpb24tMQ"
CONFIG = LoadConfig(seed=5, accounts=400, groups=8, events=3000, profile_change_rate=0.05)


def streams() -> tuple[list[Any], list[Any]]:
    """Reference events (the set, mid-stream changes and one redelivery) and transactions."""
    events = [*reference_events(CONFIG), *transaction_events(CONFIG)]
    parsed = [INPUT_EVENT.validate_python(native(e)) for e in events]
    reference = [e for e in parsed if e.event_type not in TRANSACTION_TYPES]
    reference.append(reference[len(reference) // 3])  # a redelivery of an early record
    return reference, [e for e in parsed if e.event_type in TRANSACTION_TYPES]


REFERENCE, TRANSACTIONS = streams()


ENGINES = ["python", "native"]


def loaded(records: Iterable[tuple[int, Any]], processor: CreditProcessor | None = None,
           engine: str = "python") -> CreditProcessor:  # fmt: skip
    processor = processor or processor_for(Settings(engine=engine))
    for offset, event in records:
        processor.apply_reference(event, offset)
    return processor


def outline(value: Any) -> Any:
    """The value of a state graph, whatever its objects' identities."""
    if isinstance(value, dict):
        return ("dict", [(outline(k), outline(v)) for k, v in value.items()])
    if isinstance(value, list | tuple | deque):
        return (type(value).__name__, [outline(v) for v in value])
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(outline(v)) for v in value))
    if isinstance(value, array):
        return ("array", value.tobytes())
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, [outline(getattr(value, f.name))
                                       for f in dataclasses.fields(value)])  # fmt: skip
    slots = getattr(type(value), "__slots__", None)
    if slots is not None and not isinstance(value, str | bytes | int):
        return (type(value).__name__, [(s, outline(getattr(value, s))) for s in slots])
    if hasattr(value, "__dict__"):
        return (type(value).__name__, outline(vars(value)))
    return value


def state(processor: CreditProcessor) -> Any:
    return outline(snapshot._state(processor))


def decisions(processor: CreditProcessor) -> list[Any]:
    """Every output of the transactions, decided on all partitions."""
    for partition in range(processor.partitions):
        processor.assign(partition, iter(()))
    processor.handover.settle_local(processor.owned)  # as after the drain of an assignment
    outputs: list[Any] = []
    offsets = dict.fromkeys(range(processor.partitions), 0)
    for event in TRANSACTIONS:
        record = processor.route(event, [])
        partition = record.partition or 0
        step = processor.process(partition, offsets[partition], record.key, record.value,
                                 record.headers)  # fmt: skip
        offsets[partition] += 1
        outputs += step.outputs
    return outputs


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cut", [0, 1, len(REFERENCE) // 2, len(REFERENCE) - 1, len(REFERENCE)])
def test_snapshot_and_tail_equal_a_load_from_the_beginning(cut: int, engine: str) -> None:
    records = list(enumerate(REFERENCE))
    whole = loaded(records, engine=engine)
    payload = snapshot.encode(loaded(records[:cut], engine=engine), TOPIC, TOPIC_ID)
    header = snapshot.read_header(payload)
    assert header is not None and (header.position, header.engine) == (cut, engine)
    assert snapshot.usable(header, TOPIC, TOPIC_ID, end=len(REFERENCE), engine=engine)
    other = ENGINES[1 - ENGINES.index(engine)]
    assert not snapshot.usable(header, TOPIC, TOPIC_ID, end=len(REFERENCE), engine=other)
    resumed = processor_for(Settings(engine=engine))
    assert snapshot.apply(payload, resumed) == cut
    loaded(records[cut:], resumed)
    assert state(resumed) == state(whole)
    decided = decisions(whole)
    assert len(decided) > 1000
    assert decisions(resumed) == decided


@pytest.mark.parametrize("engine", ENGINES)
def test_the_comparison_sees_a_missing_record(engine: str) -> None:
    """The check above can fail: skipping one group move changes state and decisions."""
    records = list(enumerate(REFERENCE))
    moves = [i for i, e in records if e.event_type == "customer_upserted" and i > 450]
    skipped = [r for r in records if r[0] != moves[0]]
    whole, short = loaded(records, engine=engine), loaded(skipped, engine=engine)
    assert state(short) != state(whole)


def test_a_snapshot_of_other_code_or_another_topic_is_not_used() -> None:
    payload = snapshot.encode(loaded(list(enumerate(REFERENCE[:50]))), TOPIC, TOPIC_ID)
    header = snapshot.read_header(payload)
    assert snapshot.usable(header, TOPIC, TOPIC_ID, end=50)
    assert not snapshot.usable(header, TOPIC, "bmV3LWluY2FybmF0aW9u", end=50)  # re-created
    assert not snapshot.usable(header, "other.reference", TOPIC_ID, end=50)
    assert not snapshot.usable(header, TOPIC, TOPIC_ID, end=49)  # past the end: not this log
    assert header is not None
    changed = dataclasses.replace(header, code="0" * 64)
    assert not snapshot.usable(changed, TOPIC, TOPIC_ID, end=50)
    assert snapshot.read_header(b"not a header\n...") is None


@pytest.mark.parametrize("engine", ENGINES)
def test_no_snapshot_once_partitions_are_assigned(engine: str) -> None:
    processor = loaded(list(enumerate(REFERENCE[:50])), engine=engine)
    processor.assign(0, iter(()))
    with pytest.raises(snapshot.SnapshotError):
        snapshot.encode(processor, TOPIC, TOPIC_ID)


def test_the_native_engine_holding_a_book_takes_no_snapshot() -> None:
    processor = loaded(list(enumerate(REFERENCE)), engine="native")
    for event in TRANSACTIONS[:20]:
        processor.ledger.decide(event)
    with pytest.raises(snapshot.SnapshotError, match="before any book"):
        snapshot.encode(processor, TOPIC, TOPIC_ID)


def test_the_file_is_replaced_whole(tmp_path: Any) -> None:
    store = snapshot.SnapshotFile(tmp_path / "state")
    assert store.read() is None
    store.write(b"first")
    store.write(b"second")
    assert store.read() == b"second"
    assert [p.name for p in (tmp_path / "state").iterdir()] == [snapshot.FILE_NAME]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_damaged_snapshot_changes_nothing(engine: str) -> None:
    payload = snapshot.encode(loaded(list(enumerate(REFERENCE[:50])), engine=engine), TOPIC,
                              TOPIC_ID)  # fmt: skip
    fresh = loaded(list(enumerate(REFERENCE[:10])), engine=engine)
    before = state(fresh)
    with pytest.raises(snapshot.SnapshotError):
        snapshot.apply(payload[: len(payload) // 2], fresh)
    assert state(fresh) == before


def test_a_native_table_the_engine_cannot_read_changes_nothing() -> None:
    """The table's bytes sit in a well-formed pickle: the engine checks them, and keeps the
    table it holds when they are not a table it wrote."""
    from service.runtime import snapshot_pickle

    source = loaded(list(enumerate(REFERENCE[:50])), engine="native")
    table, handover, notices = snapshot._state(source)
    header = snapshot.encode(source, TOPIC, TOPIC_ID).partition(b"\n")[0]
    for damaged in (table[:-1], table + b"\0", b"x" + table[1:], table[:12] + b"\xff" * 4):
        fresh = loaded(list(enumerate(REFERENCE[:10])), engine="native")
        before = state(fresh)
        body = snapshot_pickle.dump((damaged, handover, notices))
        with pytest.raises(snapshot.SnapshotError, match="unreadable"):
            snapshot.apply(header + b"\n" + body, fresh)
        assert state(fresh) == before


class _Shell:
    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.system, ("echo pwned",))


def test_a_snapshot_that_names_anything_else_is_refused() -> None:
    """Only data: a pickle that would call a function is an unreadable snapshot."""
    import io
    import pickle

    good = snapshot.encode(loaded(list(enumerate(REFERENCE[:50]))), TOPIC, TOPIC_ID)
    header = good.partition(b"\n")[0]
    for hostile in (_Shell(), (snapshot.SnapshotFile, ("/tmp/x",))):
        body = io.BytesIO()
        pickle.Pickler(body).dump(hostile)
        with pytest.raises(snapshot.SnapshotError, match="may not name"):
            snapshot.apply(header + b"\n" + body.getvalue(), processor_for(Settings()))


def _with_header(body: bytes) -> bytes:
    good = snapshot.encode(loaded(list(enumerate(REFERENCE[:50]))), TOPIC, TOPIC_ID)
    return good.partition(b"\n")[0] + b"\n" + body


@pytest.mark.parametrize(
    ("target", "attribute"),
    [("service.domain.reference\nReferenceBook", "customer"),  # made blank (_Maker)
     ("service.domain.reference\nCustomerProfile", "account"),  # from fields (partial)
     ("pydantic_core._pydantic_core\nTzInfo", "utcoffset")],
)  # fmt: skip
def test_a_snapshot_cannot_change_a_class(target: str, attribute: str) -> None:
    """Pickle's BUILD on a class object would set the class's attributes for the whole
    process: the unpickler never hands a mutable class to the stream."""
    import importlib

    module, name = target.split("\n")
    kind = getattr(importlib.import_module(module), name)
    before = kind.__dict__.get(attribute)
    hostile = (b"\x80\x04c" + target.encode() + b"\nN}X" + len(attribute).to_bytes(4, "little")
               + attribute.encode() + b"cbuiltins\nset\ns\x86b.")  # fmt: skip
    try:
        with pytest.raises(snapshot.SnapshotError):
            snapshot.apply(_with_header(hostile), processor_for(Settings()))
    finally:
        changed = kind.__dict__.get(attribute) is not before
        if changed:
            setattr(kind, attribute, before)
    assert not changed


def test_a_snapshot_cannot_call_a_function_of_ours() -> None:
    hostile = b"\x80\x04cservice.domain.money\nin_utc\nN\x85R."
    with pytest.raises(snapshot.SnapshotError, match="may not name"):
        snapshot.apply(_with_header(hostile), processor_for(Settings()))


def _crafted(state: tuple[Any, ...], position: int | None = None) -> bytes:
    """A snapshot of ``state`` as the writer would pickle it, under a valid header."""
    import json

    from service.runtime import snapshot_pickle

    good = snapshot.encode(loaded(list(enumerate(REFERENCE[:50]))), TOPIC, TOPIC_ID)
    header = json.loads(good.partition(b"\n")[0])
    if position is not None:
        header["position"] = position
    return json.dumps(header).encode() + b"\n" + snapshot_pickle.dump(state)


def test_a_snapshot_of_another_shape_changes_nothing() -> None:
    """Whatever a crafted snapshot builds is checked before any of it is put in place: the
    processor is left as it was, and the error is a ``SnapshotError`` (the table is read)."""
    from service.domain.reference import ReferenceBook
    from service.handover import Handover

    source = loaded(list(enumerate(REFERENCE[:50])))
    reference, totals, handover, notices = snapshot._state(source)
    partial = ReferenceBook.__new__(ReferenceBook)
    partial.applied = reference.applied
    odd_handover = Handover()
    odd_handover.position = 50
    odd_handover.applied = dict  # type: ignore[method-assign]  # an attribute of another name
    shapes = [
        (partial, totals, handover, notices),  # a book with one slot set
        (reference, totals, 5, notices),  # no hand-over
        (reference, totals, handover, 5),  # no notices
        (reference, {"G1": 5}, handover, notices),
        (reference, totals, odd_handover, notices),
        (reference, totals, handover),
    ]
    for shape in shapes:
        fresh = loaded(list(enumerate(REFERENCE[:10])))
        before = state(fresh)
        with pytest.raises(snapshot.SnapshotError):
            snapshot.apply(_crafted(shape), fresh)
        assert state(fresh) == before
    with pytest.raises(snapshot.SnapshotError, match="position"):
        snapshot.apply(
            _crafted(snapshot._state(source), position=10**12), processor_for(Settings())
        )


def test_only_state_classes_and_only_from_their_fields() -> None:
    """A class outside the reference state (a policy's converter) is refused, and a state
    class that is not built from its fields gets no constructor arguments (a 48-byte pickle
    would otherwise allocate a 1 GiB ``DigestSet``)."""
    converter = b"\x80\x04cservice.domain.policy\nConverter\nNN\x86R."
    with pytest.raises(snapshot.SnapshotError, match="may not name"):
        snapshot.apply(_with_header(converter), processor_for(Settings()))
    huge = b"\x80\x04cservice.domain.interning\nDigestSet\nJ\x00\x00\x00\x08\x85R."
    with pytest.raises(snapshot.SnapshotError, match="not built from arguments"):
        snapshot.apply(_with_header(huge), processor_for(Settings()))


def test_the_writer_refuses_an_object_a_snapshot_may_not_hold() -> None:
    from service.runtime import snapshot_pickle

    with pytest.raises(snapshot_pickle.StatePickleError, match="Settings"):
        snapshot_pickle.dump((Settings(),))

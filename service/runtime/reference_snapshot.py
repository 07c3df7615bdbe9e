"""A snapshot of the reference table as loaded at start-up, so that a start reads only the
reference records published since, not the whole table (about 5 s per 100k customers). It is
kept in the instance's state directory, and published on Kafka for instances that have no
local state (``snapshot_topic``).

When it is taken: at the end of the initial load, before any partition is assigned. Until
then the processor's reference state (the engine's ``ReferenceBook``, the hand-over's record
of moves, recent reference notices) is a function of the reference records alone: hand-over
waits depend on ownership and barriers only after an assignment. So a snapshot after record
``N - 1`` plus the records from ``N`` on gives the state a load from the beginning gives; a test
checks exactly that. A new snapshot is written when the load applied ``RESAVE_AFTER`` records
or more.

What the file holds: one JSON header line (format, engine, code fingerprint, topic name and id,
the position: the offset after the last record applied), then the state as a Python pickle.
With the native engine its reference table is in that pickle as the bytes the engine writes
and reads itself (``native/engine/src/reference/snapshot.rs``, which checks them as it reads),
next to the hand-over and the notices. A snapshot is ignored, and the table read from the
beginning, when the code that wrote it differs (any change to the domain, hand-over or
processor source, and with the native engine its compiled module), when another engine wrote
it, when the topic was deleted and made again (another topic id), or when its position is
past the topic's end. The file is the
service's own, in its state directory, written atomically (temporary file, fsync, rename).

What reading one can do: the pickle names the classes of the reference state and a few
immutable standard-library types only (``snapshot_pickle``), and what it builds is checked
(``_checked``: the kinds and attributes of a fresh state, the position of the header) before
any of it replaces the processor's state. So a snapshot cannot call a function, change a class,
or leave the state half-replaced. What a snapshot can do is set the reference state, as the
reference topic itself can: write access to ``credit.internal.reference-snapshot`` must be
granted exactly as to ``credit.reference`` (README, "Security").
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import pickle
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import service
from service.domain.group_totals import GroupTotals
from service.domain.outputs import OutputEvent
from service.domain.reference import ReferenceBook
from service.errors import CreditServiceError
from service.ledgers import NativeLedger, NativeOutput
from service.processor import CreditProcessor
from service.runtime import snapshot_pickle
from service.runtime.restore import bulk_load
from service.runtime.snapshot_pickle import StatePickleError

FORMAT = 2  # 2: state classes through snapshot_pickle's stand-ins, never NEWOBJ
FILE_NAME = "reference.snapshot"
RESAVE_AFTER = 10_000  # reference records applied by a load before a new snapshot is written
# what the pickled state's classes come from
_CODE = ("domain", "handover.py", "processor.py", "ledgers.py")


class SnapshotError(CreditServiceError):
    """The reference snapshot could not be written or read back."""


@dataclass(frozen=True)
class SnapshotHeader:
    format: int
    code: str
    topic: str
    topic_id: str
    position: int
    engine: str = "python"


def engine_of(processor: CreditProcessor) -> str:
    return "native" if isinstance(processor.ledger, NativeLedger) else "python"


def code_fingerprint(engine: str = "python") -> str:
    """A digest of the source of every class a snapshot holds (and of the format), and for
    the native engine of its compiled module."""
    root = Path(service.__file__).parent
    digest = hashlib.sha256(f"format {FORMAT} engine {engine}".encode())
    for name in _CODE:
        paths = sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]
        for path in paths:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    if engine == "native":  # installed: the native engine is running
        compiled = importlib.import_module("credit_native.credit_native").__file__
        digest.update(Path(compiled or "").read_bytes())
    return digest.hexdigest()


def _state(processor: CreditProcessor) -> tuple[Any, ...]:
    if isinstance(processor.ledger, NativeLedger):
        table = processor.ledger.reference_snapshot()
        return (table, processor.handover, processor.reference_notices)
    engine = processor.engine
    return (engine.reference, engine.group_totals, processor.handover, processor.reference_notices)


def encode(processor: CreditProcessor, topic: str, topic_id: str) -> bytes:
    """The snapshot of ``processor``'s reference state: header line, then the pickle."""
    engine = engine_of(processor)
    if processor.owned or (engine == "python" and processor.engine.books):
        raise SnapshotError("a reference snapshot is taken before any partition is assigned")
    header = SnapshotHeader(FORMAT, code_fingerprint(engine), topic, topic_id,
                            processor.handover.position, engine)  # fmt: skip
    try:
        body = snapshot_pickle.dump(_state(processor))
    except ValueError as exc:  # the native engine holds a book
        raise SnapshotError(f"cannot snapshot the reference state: {exc}") from exc
    except (pickle.PicklingError, TypeError, AttributeError, StatePickleError) as exc:
        raise SnapshotError(f"cannot snapshot the reference state: {exc!r}") from exc
    return json.dumps(dataclasses.asdict(header)).encode() + b"\n" + body


def read_header(payload: bytes) -> SnapshotHeader | None:
    line, _, _ = payload.partition(b"\n")
    try:
        return SnapshotHeader(**json.loads(line))
    except (ValueError, TypeError):
        return None


def usable(header: SnapshotHeader | None, topic: str, topic_id: str, end: int,
           engine: str = "python") -> bool:  # fmt: skip
    """Written by this code and engine, for this incarnation of the topic, and not past its
    end."""
    return (
        header is not None and header.format == FORMAT and header.engine == engine
        and header.code == code_fingerprint(engine)
        and header.topic == topic and header.topic_id == topic_id and header.position <= end
    )  # fmt: skip


def apply(payload: bytes, processor: CreditProcessor) -> int:
    """Put a snapshot's state into ``processor`` (no partition assigned yet); returns the
    reference position it reflects. The objects the engine shares are filled, not replaced,
    and only once the whole state was read and checked."""
    line, _, body = payload.partition(b"\n")
    header = read_header(line)
    native = isinstance(processor.ledger, NativeLedger)
    try:
        with bulk_load():
            state = (_checked_native if native else _checked)(snapshot_pickle.load(body), processor)
    except Exception as exc:  # a damaged or crafted snapshot fails in many ways
        raise SnapshotError(f"unreadable reference snapshot: {exc!r}") from exc
    *tables, handover, notices = state
    if header is None or handover.position != header.position:
        raise SnapshotError("the reference snapshot's state is not at its header's position")
    if isinstance(processor.ledger, NativeLedger):
        try:
            processor.ledger.load_reference_snapshot(tables[0])
        except ValueError as exc:
            raise SnapshotError(f"unreadable reference snapshot: {exc}") from exc
    else:
        _put_tables(processor, *tables)
    vars(processor.handover).clear()
    vars(processor.handover).update(vars(handover))
    processor.reference_notices.clear()
    processor.reference_notices.extend(notices)
    return int(processor.handover.position)


def _put_tables(processor: CreditProcessor, reference: ReferenceBook,
                group_totals: dict[str, GroupTotals]) -> None:  # fmt: skip
    engine = processor.engine
    for slot in ReferenceBook.__slots__:
        setattr(engine.reference, slot, getattr(reference, slot))
    engine.group_totals.clear()
    engine.group_totals.update(group_totals)


def _checked(state: Any, processor: CreditProcessor) -> tuple[Any, ...]:
    """The loaded state if it has the shape of the processor's: the same kinds of object,
    holding the same kinds of value in the same attributes (raises ``ValueError``)."""
    reference, group_totals, handover, notices = state
    _same_kinds(reference, processor.engine.reference, ReferenceBook.__slots__)
    if type(group_totals) is not dict or not all(
        type(k) is str and type(v) is GroupTotals for k, v in group_totals.items()):  # fmt: skip
        raise ValueError("group totals are not GroupTotals by group id")
    _check_handover_and_notices(handover, notices, processor, OutputEvent)
    return reference, group_totals, handover, notices


def _checked_native(state: Any, processor: CreditProcessor) -> tuple[Any, ...]:
    """The native engine's: its table's bytes (which the engine checks as it reads them),
    the hand-over and the notices."""
    table, handover, notices = state
    if type(table) is not bytes:
        raise ValueError("the native engine's reference table is not bytes")
    _check_handover_and_notices(handover, notices, processor, NativeOutput)
    if not all(_native_output(n[2]) for n in notices):
        raise ValueError("a reference notice holds values of other kinds")
    return table, handover, notices


def _native_output(output: NativeOutput) -> bool:
    optional = (output.company_id, output.customer_id, output.group_id)
    return (type(output.event_type) is str and type(output.body) is bytes
            and all(v is None or type(v) is str for v in optional)
            and type(output.reason_codes) is list
            and all(type(code) is str for code in output.reason_codes)
            and type(output.decided_at_micros) is int)  # fmt: skip


def _check_handover_and_notices(handover: Any, notices: Any, processor: CreditProcessor,
                                output: Any) -> None:  # fmt: skip
    _same_kinds(handover, processor.handover, tuple(vars(processor.handover)))
    if set(vars(handover)) != set(vars(processor.handover)):
        raise ValueError("the hand-over's attributes differ")
    if type(notices) is not deque or not all(
        type(n) is tuple and len(n) == 3 and type(n[0]) is int and type(n[1]) is int
        and isinstance(n[2], output) for n in notices):  # fmt: skip
        raise ValueError("reference notices are not (offset, partition, output)")


def _same_kinds(loaded: Any, live: Any, names: tuple[str, ...]) -> None:
    if type(loaded) is not type(live):
        raise ValueError(f"a {type(loaded).__qualname__} instead of a {type(live).__qualname__}")
    for name in names:
        if type(getattr(loaded, name)) is not type(getattr(live, name)):
            raise ValueError(f"{type(live).__qualname__}.{name} holds another kind of value")


class SnapshotFile:
    """The snapshot file of one instance's state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE_NAME

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def write(self, payload: bytes) -> None:
        partial = self.path.with_suffix(".partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, self.path)
        except OSError as exc:
            raise SnapshotError(f"cannot write {self.path}: {exc}") from exc

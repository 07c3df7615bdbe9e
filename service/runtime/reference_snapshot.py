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

What the file holds: one JSON header line (format, code fingerprint, topic name and id, the
position: the offset after the last record applied), then the state as a Python pickle. A
snapshot is ignored, and the table read from the beginning, when the code that wrote it differs
(any change to the domain, hand-over or processor source), when the topic was deleted and made
again (another topic id), or when its position is past the topic's end. The file is the
service's own, in its state directory, written atomically (temporary file, fsync, rename).

What reading one can do: it is read back by an unpickler that names the domain's and the
hand-over's classes and a few immutable standard-library types only, and refuses any other name,
so a snapshot cannot call a function or import a module. The unpickler never hands the stream a
class of our own: it hands out a constructor (``_Maker``, immutable) in its place, so a crafted
snapshot cannot set attributes on a class (pickle's BUILD on a class object would replace a
method of ``AccountBook`` for the whole process). What a snapshot can do is set the reference
state, as the reference topic itself can: write access to ``credit.internal.reference-snapshot``
must be granted exactly as to ``credit.reference`` (README, "Security").
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import service
from service.errors import CreditServiceError
from service.processor import CreditProcessor
from service.runtime.restore import bulk_load

FORMAT = 2  # 2: our classes through _Maker, never NEWOBJ
FILE_NAME = "reference.snapshot"
RESAVE_AFTER = 10_000  # reference records applied by a load before a new snapshot is written
_CODE = ("domain", "handover.py", "processor.py")  # what the pickled state's classes come from


class SnapshotError(CreditServiceError):
    """The reference snapshot could not be written or read back."""


@dataclass(frozen=True)
class SnapshotHeader:
    format: int
    code: str
    topic: str
    topic_id: str
    position: int


def code_fingerprint() -> str:
    """A digest of the source of every class a snapshot holds (and of the format)."""
    root = Path(service.__file__).parent
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for name in _CODE:
        paths = sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]
        for path in paths:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class _StatePickler(pickle.Pickler):
    """Our own objects as ``(class, arguments[, state])``, which ``_Maker`` rebuilds: a
    dataclass or named tuple by its fields (the default for slotted dataclasses goes through
    ``dataclasses.fields`` for every object, about 30 us a customer profile), any other of our
    classes as a blank instance and its ``__getstate__``. Standard-library values as pickle
    does them."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        names = _fields_of(kind)
        if names is None:
            if not _own(kind):
                return NotImplemented
            return kind, (), obj.__getstate__()
        if isinstance(obj, tuple):
            return kind, tuple(obj)
        return kind, tuple(getattr(obj, name) for name in names)


def _own(kind: type) -> bool:
    return kind.__module__.startswith(_OWN)


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(kind: type) -> tuple[str, ...] | None:
    """The fields a class of ours is built from: a named tuple's, or a dataclass's when
    ``__init__`` takes them all. ``None``: not built from its fields."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = _FIELDS[kind] = _by_fields(kind)
        return names


def _by_fields(kind: type) -> tuple[str, ...] | None:
    if not _own(kind):
        return None
    if issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return tuple(kind._fields)
    if not dataclasses.is_dataclass(kind):
        return None
    fields = dataclasses.fields(kind)
    return tuple(f.name for f in fields) if all(f.init for f in fields) else None


_STDLIB = {
    "array": {"array", "_array_reconstructor"}, "collections": {"deque"},
    "datetime": {"date", "datetime", "time", "timedelta", "timezone"}, "decimal": {"Decimal"},
    "pydantic_core._pydantic_core": {"TzInfo"}, "builtins": {"set", "frozenset"},
}  # fmt: skip
_OWN = ("service.domain.", "service.handover")
_IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: no attribute of the class can be set


class _Maker(tuple[type]):
    """Stands in a snapshot for a class whose attributes can be set (ours, pydantic's
    ``TzInfo``), which the stream never gets hold of:
    calling it builds an instance (from its fields, or blank for BUILD to fill). A tuple with
    no ``__dict__``: BUILD cannot change it either."""

    __slots__ = ()

    def __call__(self, *fields: Any) -> Any:
        kind: Any = self[0]
        if fields or _fields_of(kind) is not None:
            return kind(*fields)
        return kind.__new__(kind)


class _StateUnpickler(pickle.Unpickler):
    """Builds only the state's own kinds of object: classes of the domain and the hand-over
    (through ``_Maker``), and the plain values of the standard library they hold. Any other
    name in a snapshot (a function to call, a class of the runtime) is refused, so a snapshot
    can carry data only, wherever it was read from."""

    def find_class(self, module: str, name: str) -> Any:
        if name in _STDLIB.get(module, ()) or (module.startswith(_OWN) and "." not in name):
            found = super().find_class(module, name)
            if not isinstance(found, type):
                if (module, name) == ("array", "_array_reconstructor"):
                    return found  # a built-in function: nothing of it can be set
            elif found.__module__ == module:  # defined there, not imported from elsewhere
                return found if found.__flags__ & _IMMUTABLE_TYPE else _Maker((found,))
        raise pickle.UnpicklingError(f"a reference snapshot may not name {module}.{name}")


def _state(processor: CreditProcessor) -> tuple[Any, ...]:
    engine = processor.engine
    return (engine.reference, engine.group_totals, processor.handover, processor.reference_notices)


def encode(processor: CreditProcessor, topic: str, topic_id: str) -> bytes:
    """The snapshot of ``processor``'s reference state: header line, then the pickle."""
    if processor.engine.books or processor.owned:
        raise SnapshotError("a reference snapshot is taken before any partition is assigned")
    header = SnapshotHeader(FORMAT, code_fingerprint(), topic, topic_id,
                            processor.handover.position)  # fmt: skip
    out = io.BytesIO()
    out.write(json.dumps(dataclasses.asdict(header)).encode() + b"\n")
    try:
        _StatePickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(_state(processor))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a state it cannot hold
        raise SnapshotError(f"cannot snapshot the reference state: {exc!r}") from exc
    return out.getvalue()


def read_header(payload: bytes) -> SnapshotHeader | None:
    line, _, _ = payload.partition(b"\n")
    try:
        return SnapshotHeader(**json.loads(line))
    except (ValueError, TypeError):
        return None


def usable(header: SnapshotHeader | None, topic: str, topic_id: str, end: int) -> bool:
    """Written by this code, for this incarnation of the topic, and not past its end."""
    return (
        header is not None and header.format == FORMAT and header.code == code_fingerprint()
        and header.topic == topic and header.topic_id == topic_id and header.position <= end
    )  # fmt: skip


def apply(payload: bytes, processor: CreditProcessor) -> int:
    """Put a snapshot's state into ``processor`` (no partition assigned yet); returns the
    reference position it reflects. The objects the engine shares are filled, not replaced."""
    _, _, body = payload.partition(b"\n")
    try:
        with bulk_load():
            reference, group_totals, handover, notices = _StateUnpickler(io.BytesIO(body)).load()
    except Exception as exc:  # a damaged file fails in many ways; nothing was applied yet
        raise SnapshotError(f"unreadable reference snapshot: {exc!r}") from exc
    engine = processor.engine
    for slot in type(reference).__slots__:
        setattr(engine.reference, slot, getattr(reference, slot))
    engine.group_totals.clear()
    engine.group_totals.update(group_totals)
    vars(processor.handover).clear()
    vars(processor.handover).update(vars(handover))
    processor.reference_notices.clear()
    processor.reference_notices.extend(notices)
    return int(processor.handover.position)


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

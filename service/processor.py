"""The processing core shared by every runtime: route, decide, and say what to persist.

It knows nothing of Kafka clients: records come in as ``(topic, key, value)`` plus
coordinates, and ``Record``s go out. The Kafka runtime and the in-memory runtime both drive it,
so one contract test suite covers both.

Stages:
1. ``route``: an input transaction event is validated and re-keyed to its credit root on the
   internal by-root topic, partition ``crc32(root) % partitions``.
2. ``process``: a by-root record is decided by the engine; outputs are encoded for their topics.
3. ``apply_reference``: every instance applies all reference data (a global table); the
   notifications a reference event causes are published by the owner of the group's partition,
   once, guarded by a per-partition watermark kept in the changelog.
4. ``flush``: each changed account book goes to the changelog partition of its root. A book
   whose root moved to a partition this instance does not own is handed over through the
   by-root topic, in the same transaction, followed by the barriers of ``service.handover``.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from service.book_keys import account_of
from service.codec import AvroCodec
from service.direct_runs import DirectRuns
from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT, TRANSACTION_TYPES, TransactionEvent
from service.domain.reference import AccountKey, credit_root
from service.errors import ConfigurationError, PoisonMessageError
from service.handover import BOOKKEEPING_KEYS, REFERENCE_HEADER, Barrier, Handover, Parked
from service.ledgers import FlushedBook, Ledger, NativeOutput, PythonLedger
from service.ports import Metrics, Record
from service.replay import describe_validation_error
from service.settings import Topics

KIND = "credit.kind"
ROUTED_LIMIT = 10_000  # routed events kept until read back (about 1.3 kB each), at most
WATERMARK_KEY = b"w"
ADOPT_CHUNK = 10_000  # books a store hands the engine at a time


@dataclass(slots=True)
class Step:
    """What one by-root record gave: outputs to publish and by-root records to produce."""

    outputs: list[Any] = field(default_factory=list)  # OutputEvent or NativeOutput
    records: list[Record] = field(default_factory=list)


@dataclass(slots=True)
class Flush:
    """What one commit writes: by-root records to produce, changelog entries ``(key, value,
    partition)`` and, per partition, the store changes."""

    records: list[Record] = field(default_factory=list)
    changelog: list[tuple[bytes, bytes | None, int]] = field(default_factory=list)
    store_changes: dict[int, dict[bytes, bytes | None]] = field(default_factory=dict)


class CreditProcessor(DirectRuns):
    def __init__(self, topics: Topics, partitions: int, codec: AvroCodec, metrics: Metrics,
                 ledger: Ledger | None = None) -> None:  # fmt: skip
        self.topics, self.partitions, self.codec, self.metrics = topics, partitions, codec, metrics
        self.ledger: Ledger = ledger or PythonLedger()
        self.owned: set[int] = set()
        self.book_home: dict[AccountKey, int] = {}
        self.dirty: set[AccountKey] = set()
        self.watermarks: dict[int, int] = {}
        self.dirty_watermarks: set[int] = set()
        self.handover = Handover()
        self._position_header: tuple[int, tuple[str, bytes]] = (-1, (REFERENCE_HEADER, b""))
        # by-root value -> the validated event it was serialised from (``_by_root_event``)
        self._routed: dict[bytes, Any] = {}
        # root -> the roots its accounts moved from, whose records sent earlier must be read
        # back before an input of it is decided where read (``take_input``)
        self._moved_from: dict[str, set[str]] = {}
        # recent reference notifications, for a partition this instance takes over later
        self.reference_notices: deque[tuple[int, int, Any]] = deque(maxlen=100_000)
        self._output_topic = {
            "order_approved": topics.orders_approved, "order_held": topics.orders_held,
            "order_rejected": topics.orders_rejected, "credit_notification": topics.notifications,
        }  # fmt: skip

    @property
    def engine(self) -> CreditEngine:
        """The Python engine, when it is the one deciding (the reference snapshot reads it)."""
        if not isinstance(self.ledger, PythonLedger):
            raise ConfigurationError("the native engine keeps no Python engine state")
        return self.ledger.engine

    def partition_of(self, root: str) -> int:
        return zlib.crc32(root.encode()) % self.partitions

    def home_of(self, account: AccountKey) -> int:
        return self.partition_of(self.ledger.root_of(account))

    # -- decoding --------------------------------------------------------------------------
    def decode(self, topic: str, value: bytes | None) -> Any:
        """An input record as a validated event; ``PoisonMessageError`` if it cannot be."""
        if value is None:
            raise PoisonMessageError("empty record value")
        native = self.ledger.read(value)  # an event the engine reads itself
        if native is not None:
            return native
        raw = self.codec.decode(topic, value)
        try:
            return INPUT_EVENT.validate_python(raw)
        except ValidationError as exc:
            raise PoisonMessageError(describe_validation_error(exc)) from exc

    def dead_letter(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
        error: Exception,
    ) -> Record:  # fmt: skip
        self.metrics.dead_letter(topic)
        headers = [
            ("source.topic", topic.encode()), ("source.partition", str(partition).encode()),
            ("source.offset", str(offset).encode()), ("error.type", type(error).__name__.encode()),
            ("error.message", str(error).encode()),
        ]  # fmt: skip
        return Record(self.topics.dead_letter, key, value, None, headers)

    # -- stage 1: route --------------------------------------------------------------------
    def take_input(self, event: Any, headers: Callable[[], list[tuple[str, bytes]]],
                   clear: Callable[[int, bytes], bool]) -> Step:  # fmt: skip
        """Stage 1, and stage 2 at once where it may be: an input event whose root's partition
        this instance owns is decided here when nothing of its root there is still on its way
        through the by-root topic (``clear(partition, root)``, the runtime's to say) and the
        root does not wait for a hand-over; any other is routed, with ``headers()``. Either way
        the event comes after every earlier record of its root (read before it, or routed
        ahead of it)."""
        root = self._input_root(event)
        home = self.partition_of(root)
        step = Step()
        if (home in self.owned and self._clear(root, home, clear)
                and not self.handover.must_park(root, home)):  # fmt: skip
            self.metrics.input_path("direct")
            self._decide_event(event, step)
        else:
            self.metrics.input_path("by_root")
            step.records.append(self._by_root_record(event, root, home, headers()))
        return step

    def _clear(self, root: str, home: int, clear: Callable[[int, bytes], bool]) -> bool:
        """``clear`` for the root, and for the roots its accounts moved from: an account's
        records sent under its old root (an invoice routed before it joined a group) come
        first. One of another instance's partition is forwarded by its owner: not waited for."""
        if not clear(home, root.encode()):
            return False
        moved_from = self._moved_from.get(root, set())
        for old in list(moved_from):
            old_home = self.partition_of(old)
            if old_home in self.owned and not clear(old_home, old.encode()):
                return False
            moved_from.discard(old)  # read back: later records of ``old`` are other accounts'
        self._moved_from.pop(root, None)
        return True

    def route(self, event: Any, headers: list[tuple[str, bytes]]) -> Record:
        """Stage 1 only: the event re-keyed to its root on the by-root topic."""
        root = self._input_root(event)
        return self._by_root_record(event, root, self.partition_of(root), headers)

    def _input_root(self, event: Any) -> str:
        if event.event_type not in TRANSACTION_TYPES:
            raise PoisonMessageError(f"{event.event_type} does not belong on a transaction topic")
        return self.ledger.root_of(event.account)

    def _by_root_record(self, event: Any, root: str, home: int,
                        headers: list[tuple[str, bytes]]) -> Record:  # fmt: skip
        headers = [(KIND, b"event"), self._position(), *headers]
        if not hasattr(event, "__pydantic_serializer__"):  # read by the native engine
            event = INPUT_EVENT.validate_python(self.codec.decode(event.event_type, event.payload))
        value = event.__pydantic_serializer__.to_json(event)  # = model_dump_json().encode()
        if len(self._routed) < ROUTED_LIMIT:  # else read back first: validated when it comes
            self._routed[value] = event
        return Record(self.topics.by_root, root.encode(), value, home, headers)

    def _position(self) -> tuple[str, bytes]:
        position = self.handover.position
        if self._position_header[0] != position:  # it moves with reference data only
            self._position_header = (position, (REFERENCE_HEADER, str(position).encode()))
        return self._position_header[1]

    # -- stage 2: decide -------------------------------------------------------------------
    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                headers: list[tuple[str, bytes]]) -> Step:  # fmt: skip
        """Apply by-root record ``offset`` of ``partition``. The runtime has applied reference
        data up to the record's ``credit.reference`` position first. Raises
        ``PoisonMessageError`` for a record that cannot be applied."""
        if not self.handover.handled(partition, offset):
            return Step()  # applied before a restart; read again past a parked record
        kind = _header(headers, KIND) or "event"
        if kind == "handoff":
            self._handoff(key, value)
            return Step()
        if kind == "barrier":
            self.handover.arrived(Barrier.from_bytes(partition, value))
            step = Step()
            for parked in self.handover.release(partition):
                self._event(partition, parked, step)
            return step
        step = Step()
        self._event(partition, Parked(offset, key, value, headers), step)
        return step

    def _event(self, partition: int, record: Parked, step: Step) -> None:
        """Decide an input event here, forward it to its root's partition, or park it."""
        event = self._by_root_event(record.value)
        if not isinstance(event, TransactionEvent):
            raise PoisonMessageError(f"{event.event_type} does not belong on the by-root topic")
        root = self.ledger.root_of(event.account)
        home = self.partition_of(root)
        if home != partition:
            self.metrics.handover("forwarded")
            kept = [(n, v) for n, v in record.headers if n != REFERENCE_HEADER]
            step.records.append(Record(self.topics.by_root, root.encode(), record.value, home,
                                       [self._position(), *kept]))  # fmt: skip
        elif self.handover.must_park(root, partition):
            self.metrics.handover("parked")
            self.handover.park(root, partition, record)
        else:
            self._decide_event(event, step)

    def _decide_event(self, event: TransactionEvent, step: Step) -> None:
        outcome = self.ledger.decide(event)
        if outcome.ignored:  # a repeat or an unknown order: the book did not change
            self.metrics.event_ignored(event.event_type)
        else:
            self.dirty.add(event.account)
        step.outputs += outcome.outputs

    def _by_root_event(self, value: bytes | None) -> Any:
        """The event of a by-root value. One this instance routed is the validated event it
        wrote (``validate_json`` of its JSON gives an equal event); others are validated."""
        if value is None:
            raise PoisonMessageError("empty by-root record")
        event = self._routed.pop(value, None)
        if event is not None:
            return event
        try:
            return INPUT_EVENT.validate_json(value)
        except ValidationError as exc:
            raise PoisonMessageError(describe_validation_error(exc)) from exc

    def parked_floor(self, partition: int) -> int | None:
        """Commit offsets of ``partition`` no further than this: a record is parked there."""
        return self.handover.floor(partition)

    def _handoff(self, key: bytes | None, value: bytes | None) -> None:
        if key is None or value is None:
            raise PoisonMessageError("handoff without account or book")
        try:
            account = account_of(key)
        except ValueError as exc:
            raise PoisonMessageError(f"unreadable handoff: {exc}") from exc
        self.ledger.merge_book(account, value)  # a damaged book held here: StoredBookError
        self.dirty.add(account)

    def encode_outputs(self, outputs: list[Any]) -> list[Record]:
        """Records of outputs of either engine (``OutputEvent``, ``NativeOutput``)."""
        records = []
        codec = self.codec
        for output in outputs:
            event_type = output.event_type
            topic = self._output_topic[event_type]
            key = f"{getattr(output, 'company_id', None)}:{getattr(output, 'customer_id', None)}"
            if isinstance(output, NativeOutput):
                value = codec.output_header(topic, event_type) + output.body
            else:
                value = codec.encode_output(topic, output)
            records.append(Record(topic, key.encode(), value))
            self.metrics.event_out(topic, output.event_type)
        return records

    # -- stage 3: the global reference table -----------------------------------------------
    def apply_reference(self, event: Any, offset: int) -> list[Record]:
        """Apply reference data; return the notifications this instance must publish now."""
        affected = self._affected(event)
        roots = {account: self.ledger.root_of(account) for account in affected}
        outcome = self.ledger.decide(event)
        self.handover.applied(offset)
        for account, old_root in roots.items():
            new_root = self.ledger.root_of(account)
            if new_root != old_root:
                self.handover.moved(old_root, new_root, self.partition_of(old_root),
                                    self.partition_of(new_root), self.owned)  # fmt: skip
                self._moved_from.setdefault(new_root, set()).add(old_root)
        self.dirty.update(a for a in affected if self.ledger.has_book(a))
        publish: list[Any] = []
        for output in outcome.outputs:
            partition = self._notice_partition(output)
            self.reference_notices.append((offset, partition, output))
            if partition in self.owned and offset > self.watermarks.get(partition, -1):
                publish.append(output)
                self.watermarks[partition] = offset
                self.dirty_watermarks.add(partition)
        return self.encode_outputs(publish)

    def _affected(self, event: Any) -> list[AccountKey]:
        if event.event_type == "customer_upserted":
            return [event.account]
        if event.event_type == "group_upserted":
            return self.ledger.members(event.group_id)
        return []

    def _notice_partition(self, output: Any) -> int:
        assert output.event_type == "credit_notification"
        account = (output.company_id or "", output.customer_id or "")
        return self.partition_of(credit_root(account, output.group_id))

    def pending_reference_notices(self, partition: int) -> list[Record]:
        """Reference notifications for a newly owned partition that its watermark has not seen."""
        mark = self.watermarks.get(partition, -1)
        due = [(o, out) for o, p, out in self.reference_notices if p == partition and o > mark]
        if due:
            self.watermarks[partition] = max(o for o, _ in due)
            self.dirty_watermarks.add(partition)
        return self.encode_outputs([out for _, out in due])

    # -- ownership -------------------------------------------------------------------------
    def assign(self, partition: int, stored: Iterator[tuple[bytes, bytes]]) -> int:
        """Adopt a partition's books and watermark from its store; returns the book count."""
        self.owned.add(partition)
        count = 0
        books: list[tuple[bytes, bytes]] = []
        for key, value in stored:
            if key == WATERMARK_KEY:
                self.watermarks[partition] = int(value)
            elif key in BOOKKEEPING_KEYS:
                self.handover.load(partition, key, value)
            else:
                books.append((key, value))
                if len(books) == ADOPT_CHUNK:
                    count += self._adopt(partition, books)
                    books = []
        return count + self._adopt(partition, books)

    def _adopt(self, partition: int, books: list[tuple[bytes, bytes]]) -> int:
        book_home, dirty = self.book_home, self.dirty
        for account, home in self.ledger.adopt_books(books, self.partitions):
            book_home[account] = partition
            if home != partition:
                dirty.add(account)  # its root moved meanwhile: re-homed at the next flush
        return len(books)

    def revoke(self, partition: int) -> None:
        self.owned.discard(partition)
        self._routed.clear()  # what was routed may not come back here (or come back twice)
        for root in [r for r in self._moved_from if self.partition_of(r) == partition]:
            del self._moved_from[root]
        self.watermarks.pop(partition, None)
        self.handover.forget(partition)
        for account in [a for a, p in self.book_home.items() if p == partition]:
            self.ledger.drop_book(account)
            del self.book_home[account]
            self.dirty.discard(account)

    def rewind(self, partitions: Iterable[int],
               stored: Callable[[int], Iterator[tuple[bytes, bytes]]]) -> int:  # fmt: skip
        """Back to the books of the stores (``stored(partition)``): every partition is revoked,
        the books still held then are dropped, and the stores are adopted again. Those books
        appeared after the last flush (a book gets its home partition at its first flush, and
        ``revoke`` takes the books of a home): they go with the batch, or its events, read
        again, would find themselves applied already (a stored book always has its home, so
        they are all decoded ones). Returns how many were dropped."""
        partitions = sorted(partitions)
        for partition in partitions:
            self.revoke(partition)
        unflushed = self.ledger.held_accounts()
        for account in unflushed:
            self.ledger.drop_book(account)
        self.dirty.clear()  # before assign: it marks the books whose root moved meanwhile
        self.dirty_watermarks.clear()
        for partition in partitions:
            self.assign(partition, stored(partition))
        return len(unflushed)

    # -- stage 4: what to persist ----------------------------------------------------------
    def flush(self) -> Flush:
        flush = Flush()
        self._flush_books(self.ledger.sorted_accounts(self.dirty), flush)
        for partition in sorted(self.dirty_watermarks):
            self._change(flush, partition, WATERMARK_KEY, str(self.watermarks[partition]).encode())
        for barrier in self.handover.barriers(self.owned):  # after this flush's hand-overs
            self.metrics.handover("barrier")
            headers = [(KIND, b"barrier"), self._position()]
            flush.records.append(Record(self.topics.by_root, b"barrier", barrier.to_bytes(),
                                        barrier.target, headers))  # fmt: skip
        for partition in sorted(self.handover.changed & self.owned):
            for key, value in self.handover.entries(partition).items():
                self._change(flush, partition, key, value)
        self.handover.changed.clear()
        self.dirty.clear()
        self.dirty_watermarks.clear()
        return flush

    def _flush_books(self, accounts: list[AccountKey], flush: Flush) -> None:
        """The changed books, in order: runs of books that stay at their home flushed by the
        engine at once (``Ledger.flush_home_books``), every other one here."""
        owned = [p in self.owned for p in range(self.partitions)]
        index = 0
        while index < len(accounts):
            taken = self.ledger.flush_home_books(accounts, index, owned, self.book_home, flush)
            if taken is None:  # the engine flushes book by book
                rest = accounts[index:]
                for account, book in zip(rest, self.ledger.flush_books(rest, self.partitions),
                                         strict=True):  # fmt: skip
                    self._flush_book(account, book, flush)
                return
            index += taken
            if index < len(accounts):
                [book] = self.ledger.flush_books(accounts[index : index + 1], self.partitions)
                self._flush_book(accounts[index], book, flush)
                index += 1

    def _flush_book(self, account: AccountKey, book: FlushedBook, flush: Flush) -> None:
        key, payload, home = book
        previous = self.book_home.get(account)
        if previous is not None and previous != home:
            self._change(flush, previous, key, None)
            del self.book_home[account]
        if payload is None:
            return
        if home in self.owned:
            self._change(flush, home, key, payload)
            self.book_home[self.ledger.account_key(account)] = home  # shared tuple
            return
        self.ledger.drop_book(account)
        self.metrics.handover("handoff")
        flush.records.append(Record(self.topics.by_root, key, payload, home,
                                    [(KIND, b"handoff"), self._position()]))  # fmt: skip

    def _change(self, flush: Flush, partition: int, key: bytes, value: bytes | None) -> None:
        flush.store_changes.setdefault(partition, {})[key] = value
        flush.changelog.append((key, value, partition))


def _header(headers: list[tuple[str, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode()
    return None

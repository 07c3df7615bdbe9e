"""The two engines behind one port, as the processing core (``service.processor``) uses them.

``Ledger`` is what the core needs of an engine: decide an event, say an account's credit
root, and hand books in and out as the bytes of the changelog (``service.domain.snapshot``).
``PythonLedger`` wraps ``service.domain.engine.CreditEngine``; ``NativeLedger`` wraps the
Rust engine (``credit_native.NativeEngine``), which reads input records into its own events
(``NativeEvent``; a pydantic event it takes by its canonical JSON) and writes its outputs'
Avro bodies itself (``NativeOutput``). The setting ``CREDIT_ENGINE``
chooses (``service.bootstrap``). Both give the same outputs, books and group totals for the
same events (``tests/unit/test_ledgers.py``, and the contract suite on both).
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from service.book_keys import account_of, book_key
from service.codec import AvroCodec
from service.domain.engine import CreditEngine, Outcome
from service.domain.outputs import OutputEvent
from service.domain.reference import AccountKey
from service.domain.snapshot import UNREADABLE_BOOK, book_from_bytes, book_to_bytes
from service.domain.stored_books import StoredBookError
from service.errors import (
    ConfigurationError,
    CreditServiceError,
    InvalidEventError,
    PoisonMessageError,
)

if TYPE_CHECKING:  # the native module is imported when the native engine is chosen
    import credit_native

# (currency, company) -> (receivable, open orders), and (currency, due day) -> open invoices,
# minor units, zeros left out: a group's totals as both engines can give them
GroupBalances = tuple[dict[tuple[str, str], tuple[int, int]], dict[tuple[str, int], int]]
# a changed book as the changelog takes it: key, bytes (None: no book), root's partition
FlushedBook = tuple[bytes, bytes | None, int]
# each output type's topic and framing header (``AvroCodec.output_header``)
OutputFraming = dict[str, tuple[str, bytes]]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OUTPUT_TYPES = frozenset({"order_approved", "order_held", "order_rejected", "credit_notification"})


class NativeReadError(CreditServiceError):
    """An event pydantic accepted whose canonical JSON the native reader still refuses."""


@dataclass(slots=True)
class Decided:
    """What one event caused: outputs (``OutputEvent`` or ``NativeOutput``) and, when it
    changed nothing, why not."""

    outputs: list[Any] = field(default_factory=list)
    ignored: str | None = None


class NativeOutput(NamedTuple):
    """An output of the native engine: its Avro body and what the service reads of it (a
    tuple: the engine's tuples become these without a Python ``__init__``)."""

    event_type: str
    body: bytes
    company_id: str | None
    customer_id: str | None
    group_id: str | None
    reason_codes: list[str]
    decided_at_micros: int

    @property
    def decided_at(self) -> datetime:
        return _EPOCH + timedelta(microseconds=self.decided_at_micros)


def hold_codes(output: Any) -> list[str]:
    """The reason codes of a held order, of either engine's output."""
    if isinstance(output, NativeOutput):
        return output.reason_codes
    return [reason.code for reason in output.reasons]


class Ledger(Protocol):
    @property
    def runs(self) -> bool:
        """True when the engine takes runs of records at once (``buffer_inputs``,
        ``decide_direct``, ``flush_home_books``); false: record by record only."""
        ...

    @property
    def release_merged(self) -> Any | None:
        """``EventTimeMerge.release`` done by the engine (``service.runtime.merge``'s
        ``NativeRelease``), or None: the merge releases in Python."""
        ...

    def read(self, payload: bytes) -> Any | None:
        """An input record's event read by the engine itself, or None: the record is left to
        the codec and pydantic."""
        ...

    def decide(self, event: Any) -> Decided: ...

    def buffer_inputs(self, messages: list[Any], start: int, ranks: dict[str, int],
                      buffers: dict[Any, Any]) -> int | None:  # fmt: skip
        """Read the input records of a poll (Kafka messages) from ``start`` on into the
        event-time merge's ``buffers`` (``service.runtime.merge``), while the engine reads
        them itself; how many it read. None when the engine reads no records (the Python
        engine)."""
        ...

    def decide_direct(self, released: list[Any], start: int, fast: list[bool],
                      framing: Callable[[], OutputFraming]) -> Any:  # fmt: skip
        """Decide ``released`` input records (``service.runtime.merge.Released``) from
        ``start`` on, while each may be decided where it is read (``fast[p]``: its root's
        partition ``p`` may), and say what they gave (``credit_native.DirectBatch``). Asked
        only of an engine with ``runs``."""
        ...

    def root_of(self, account: AccountKey) -> str: ...

    def members(self, group_id: str) -> list[AccountKey]: ...

    def account_key(self, account: AccountKey) -> AccountKey:
        """The tuple to keep the account under (the Python engine shares one per account)."""
        ...

    def book_bytes(self, account: AccountKey) -> bytes | None: ...

    def has_book(self, account: AccountKey) -> bool: ...

    def flush_books(self, accounts: list[AccountKey], partitions: int) -> list[FlushedBook]:
        """For each account: its changelog key, its book's bytes (None: it has none) and the
        partition of its credit root (``zlib.crc32(root) % partitions``)."""
        ...

    def sorted_accounts(self, accounts: Iterable[AccountKey]) -> list[AccountKey]:
        """``sorted(accounts)`` (the order books are flushed in)."""
        ...

    def flush_home_books(self, accounts: list[AccountKey], start: int, owned: list[bool],
                         book_home: dict[AccountKey, int], flush: Any) -> int | None:  # fmt: skip
        """``CreditProcessor._flush_book`` of ``accounts[start:]`` while each book stays at its
        home (it has a book, its root's partition is owned, ``book_home`` has it there or
        nowhere): into ``flush.changelog`` and ``flush.store_changes``, ``book_home`` set;
        how many it flushed. None when the engine flushes book by book (the Python engine)."""
        ...

    def drop_book(self, account: AccountKey) -> None:
        """Remove the account's book and its share of its group's totals."""
        ...

    def merge_book(self, account: AccountKey, payload: bytes) -> None:
        """A book handed over: it absorbs the one held for the account, if any.
        ``PoisonMessageError`` when ``payload`` is no book (the record is at fault);
        ``StoredBookError`` when the book held here is (the store is damaged)."""
        ...

    def adopt_books(self, books: list[tuple[bytes, bytes]],
                    partitions: int) -> Iterable[tuple[AccountKey, int]]:  # fmt: skip
        """Books restored from a store, ``(changelog key, bytes)``: each account's key tuple
        and the partition of its credit root (``zlib.crc32(root) % partitions``)."""
        ...

    def held_accounts(self) -> list[AccountKey]:
        """The accounts whose books are held decoded."""
        ...

    def load_all_books(self) -> None:
        """Decode every book still held as its stored bytes (as first use would, over time)."""
        ...

    def undecoded_count(self) -> int: ...

    def customer_count(self) -> int: ...

    def group_balances(self, group_id: str) -> GroupBalances: ...


class PythonLedger:
    """``CreditEngine``, the reference engine, behind the port."""

    runs = False  # record by record only
    release_merged = None  # the event-time merge releases in Python

    def __init__(self, engine: CreditEngine | None = None) -> None:
        self.engine = engine or CreditEngine()

    def read(self, payload: bytes) -> None:
        return None

    def decide(self, event: Any) -> Decided:
        outcome: Outcome = self.engine.handle(event)
        outputs: list[OutputEvent] = outcome.outputs
        return Decided(list(outputs), outcome.ignored)

    def buffer_inputs(self, messages: list[Any], start: int, ranks: dict[str, int],
                      buffers: dict[Any, Any]) -> None:  # fmt: skip
        return None

    def decide_direct(self, released: list[Any], start: int, fast: list[bool],
                      framing: Callable[[], OutputFraming]) -> Any:  # fmt: skip
        raise NotImplementedError("the Python engine decides record by record (runs = False)")

    def root_of(self, account: AccountKey) -> str:
        return self.engine.membership.root_of(account)

    def members(self, group_id: str) -> list[AccountKey]:
        return self.engine.reference.members(group_id)

    def account_key(self, account: AccountKey) -> AccountKey:
        return self.engine.reference.account_key(account)

    def book_bytes(self, account: AccountKey) -> bytes | None:
        book = self.engine.present_book(account)
        return None if book is None else book_to_bytes(book)

    def has_book(self, account: AccountKey) -> bool:
        return self.engine.has_book(account)

    def flush_books(self, accounts: list[AccountKey], partitions: int) -> list[FlushedBook]:
        return [(book_key(account), self.book_bytes(account),
                 zlib.crc32(self.root_of(account).encode()) % partitions)
                for account in accounts]  # fmt: skip

    def sorted_accounts(self, accounts: Iterable[AccountKey]) -> list[AccountKey]:
        return sorted(accounts)

    def flush_home_books(self, accounts: list[AccountKey], start: int, owned: list[bool],
                         book_home: dict[AccountKey, int], flush: Any) -> None:  # fmt: skip
        return None

    def drop_book(self, account: AccountKey) -> None:
        self.engine.take_book(account)  # a stored one is dropped undecoded: counted nowhere

    def merge_book(self, account: AccountKey, payload: bytes) -> None:
        arriving = _handed_over_book(account, payload)
        present = self.engine.present_book(account)
        self.engine.put_book(account, arriving.absorb(present) if present else arriving)

    def adopt_books(self, books: list[tuple[bytes, bytes]],
                    partitions: int) -> Iterator[tuple[AccountKey, int]]:  # fmt: skip
        homes: dict[str, int] = {}  # a group root's partition, shared by its members
        for key, payload in books:
            account, root = self.engine.adopt_stored(account_of(key), payload)  # decoded later
            home = homes.get(root)
            if home is None:
                home = zlib.crc32(root.encode()) % partitions
                if root.startswith("G:"):
                    homes[root] = home
            yield account, home

    def held_accounts(self) -> list[AccountKey]:
        return list(self.engine.books)

    def load_all_books(self) -> None:
        self.engine.stored.load_all()

    def undecoded_count(self) -> int:
        return len(self.engine.stored)

    def customer_count(self) -> int:
        return sum(len(c) for c in self.engine.reference.customers.values())

    def group_balances(self, group_id: str) -> GroupBalances:
        totals = self.engine.loaded_totals(group_id)
        if totals is None:
            return {}, {}
        buckets = {k: (r, o) for k, (r, o) in totals.buckets.items() if r or o}
        return buckets, {key: amount for key, amount in totals.dues.items() if amount}


def _handed_over_book(account: AccountKey, payload: bytes) -> Any:
    try:
        return book_from_bytes(payload)
    except UNREADABLE_BOOK as exc:
        raise _unreadable_handoff(account, exc) from exc


def _unreadable_handoff(account: AccountKey, exc: Exception) -> PoisonMessageError:
    return PoisonMessageError(f"unreadable handoff: book of {account} cannot be read: {exc}")


class NativeLedger:
    """The Rust engine behind the port. It reads input records itself (the codec and
    pydantic read those it leaves: another framing or schema, a value it might read
    otherwise), writes its outputs' Avro bodies, and decodes books as they come in. It
    writes the repository's output schemas only: ``ConfigurationError`` if the codec's are
    others."""

    def __init__(self, codec: AvroCodec) -> None:
        try:  # imported here: the Python engine runs without the native module
            import credit_native
        except ImportError as exc:
            why = "CREDIT_ENGINE=native needs the credit_native module (`make install`)"
            raise ConfigurationError(why) from exc

        self.native = credit_native
        self.runs = True
        self.release_merged = credit_native.release_merged
        self.engine: credit_native.NativeEngine = credit_native.NativeEngine()
        foreign = [event_type for event_type, text in sorted(codec.schema_texts().items())
                   if not self.engine.use_codec_schema(event_type, text)]  # fmt: skip
        if unwritable := [event_type for event_type in foreign if event_type in OUTPUT_TYPES]:
            raise ConfigurationError(f"the native engine writes the repository's schemas of "
                                     f"{', '.join(unwritable)}; the codec has others")  # fmt: skip

    def read(self, payload: bytes) -> Any | None:
        return self.engine.read_event(payload)

    def decide(self, event: Any) -> Decided:
        try:
            if isinstance(event, self.native.NativeEvent):
                outputs, ignored = self.engine.decide_event(event)
            else:
                outputs, ignored = self._decide_model(event)
        except self.native.InvalidEvent as exc:
            raise InvalidEventError(str(exc)) from exc
        except self.native.UnreadableBook as exc:
            raise StoredBookError(str(exc)) from exc
        return Decided(list(map(NativeOutput._make, outputs)), ignored)

    def buffer_inputs(self, messages: list[Any], start: int, ranks: dict[str, int],
                      buffers: dict[Any, Any]) -> int:  # fmt: skip
        return self.engine.buffer_inputs(messages, start, ranks, buffers, deque)

    def decide_direct(
        self, released: list[Any], start: int, fast: list[bool],
        framing: Callable[[], OutputFraming],
    ) -> credit_native.DirectBatch:  # fmt: skip
        if not self.engine.outputs_framed():
            for event_type, (topic, header) in framing().items():
                self.engine.frame_output(event_type, topic, header)
        with self._stored_books_read():
            return self.engine.decide_direct(released, start, fast)

    def _decide_model(self, event: Any) -> tuple[list[credit_native.ServiceOutput], str | None]:
        """A pydantic event, by its canonical JSON."""
        canonical = event.__pydantic_serializer__.to_json(event)  # = model_dump_json()
        decided = self.engine.decide_avro(canonical)
        if decided is None:
            why = self.native.NativeEngine.not_canonical(canonical)
            raise NativeReadError(f"the native engine cannot read {canonical!r}: {why}")
        return decided

    def root_of(self, account: AccountKey) -> str:
        return self.engine.root_of(*account)

    def reference_snapshot(self) -> bytes:
        """The engine's reference table as bytes (``ValueError`` once it holds a book)."""
        try:
            return self.engine.reference_snapshot()
        except self.native.UnreadableSnapshot as exc:
            raise ValueError(str(exc)) from exc

    def load_reference_snapshot(self, payload: bytes) -> None:
        """The reference table replaced by a snapshot's (``ValueError``: nothing changed)."""
        try:
            self.engine.load_reference_snapshot(payload)
        except self.native.UnreadableSnapshot as exc:
            raise ValueError(str(exc)) from exc

    def members(self, group_id: str) -> list[AccountKey]:
        return self.engine.members(group_id)

    def account_key(self, account: AccountKey) -> AccountKey:
        return account

    @contextmanager
    def _stored_books_read(self) -> Iterator[None]:
        """A book restored from the store is decoded when first used: bytes that are no book
        surface here, as the store's damage."""
        try:
            yield
        except self.native.UnreadableBook as exc:
            raise StoredBookError(str(exc)) from exc

    def book_bytes(self, account: AccountKey) -> bytes | None:
        with self._stored_books_read():
            return self.engine.book_bytes(*account)

    def has_book(self, account: AccountKey) -> bool:
        return self.engine.has_book(*account)

    def flush_books(self, accounts: list[AccountKey], partitions: int) -> list[FlushedBook]:
        with self._stored_books_read():
            return self.engine.flush_books(accounts, partitions)

    def sorted_accounts(self, accounts: Iterable[AccountKey]) -> list[AccountKey]:
        """In Rust (a tenth of ``sorted``'s time for the books of a commit), unless an
        account is not two strings of valid UTF-8."""
        found = self.engine.sorted_accounts(accounts)
        return sorted(accounts) if found is None else found

    def flush_home_books(self, accounts: list[AccountKey], start: int, owned: list[bool],
                         book_home: dict[AccountKey, int], flush: Any) -> int:  # fmt: skip
        with self._stored_books_read():
            return self.engine.flush_home_books(accounts, start, owned, book_home,
                                                flush.store_changes, flush.changelog)  # fmt: skip

    def drop_book(self, account: AccountKey) -> None:
        self.engine.drop_book(*account)

    def merge_book(self, account: AccountKey, payload: bytes) -> None:
        try:
            self.engine.merge_book(*account, payload)
        except ValueError as exc:  # the arriving bytes; a damaged book held here is below
            raise _unreadable_handoff(account, exc) from exc
        except self.native.UnreadableBook as exc:
            raise StoredBookError(f"book of {account} cannot be read: {exc}") from exc

    def adopt_books(self, books: list[tuple[bytes, bytes]],
                    partitions: int) -> list[tuple[AccountKey, int]]:  # fmt: skip
        try:
            return self.engine.adopt_books(books, partitions)
        except self.native.UnreadableBook as exc:
            raise StoredBookError(f"stored book cannot be read: {exc}") from exc

    def held_accounts(self) -> list[AccountKey]:
        return self.engine.book_accounts()

    def undecoded_count(self) -> int:
        return self.engine.stored_count()

    def load_all_books(self) -> None:
        with self._stored_books_read():
            self.engine.load_all_books()

    def customer_count(self) -> int:
        return self.engine.customer_count()

    def group_balances(self, group_id: str) -> GroupBalances:
        with self._stored_books_read():
            buckets, dues = self.engine.group_totals(group_id)
        return ({(ccy, company): (r, o) for ccy, company, r, o in buckets},
                {(ccy, day): amount for ccy, day, amount in dues})  # fmt: skip

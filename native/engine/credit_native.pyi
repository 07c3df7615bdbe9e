"""The credit engine in Rust (``native/engine``): see ``service/native.py``."""

from datetime import datetime
from typing import Any

class InvalidEvent(Exception):
    """An event the engine refused (the Python engine's ``InvalidEventError``)."""

class UnencodableOutput(Exception):
    """An output whose amounts its Avro schema cannot hold."""

class UnreadableBook(Exception):
    """Bytes that are no account book of the changelog format."""

class UnreadableSnapshot(Exception):
    """Bytes that are no reference snapshot of this engine (``load_reference_snapshot``)."""

ServiceOutput = tuple[str, bytes, str | None, str | None, str | None, list[str], int]

class NativeEvent:
    """An input event read from its Avro record by the native engine (``None`` for a field
    its type does not have)."""

    @property
    def event_type(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def company_id(self) -> str | None: ...
    @property
    def customer_id(self) -> str | None: ...
    @property
    def account(self) -> tuple[str, str] | None: ...
    @property
    def group_id(self) -> str | None: ...
    @property
    def order_id(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime:
        """Aware, in UTC."""
    @property
    def payload(self) -> bytes:
        """The record value it was read from."""

class DirectBatch:
    """What a run of input events decided where they were read gave (``decide_direct``)."""

    count: int
    records: list[tuple[str, bytes, bytes]]
    accounts: list[tuple[str, str]]
    offsets: list[tuple[int, int, int]]
    events_in: list[tuple[int, str, int]]
    events_out: list[tuple[str, int]]
    ignored: list[tuple[str, int]]
    hold_reasons: list[tuple[str, int]]
    last_decided_micros: int | None

def release_merged(
    buffers: dict[Any, Any], assigned: list[tuple[str, int]], has_lag: Any, now: float,
    blocked_since: float | None, max_wait_s: float,
) -> tuple[list[Any], float | None]:
    """``EventTimeMerge.release`` over its buffers: released items, blocked-since."""

class NativeEngine:
    """Every balance and rule of ``service.domain.engine.CreditEngine``."""

    def __init__(self) -> None: ...
    def handle_json(self, line: bytes) -> bytes | None:
        """The outputs of one input line as JSON lines; ``None`` if the line is not canonical."""
    def decide_avro(self, line: bytes) -> tuple[list[ServiceOutput], str | None] | None:
        """The outputs as the service publishes them: ``(event_type, Avro body, company_id,
        customer_id, group_id, hold reason codes, decided_at µs)``, and why nothing changed."""
    def decide_event(self, event: NativeEvent) -> tuple[list[ServiceOutput], str | None]:
        """``decide_avro`` of an event read by ``read_event``."""
    def frame_output(self, event_type: str, topic: str, header: bytes) -> bool:
        """The topic and framing header of the type's outputs in ``decide_direct``'s runs."""
    def outputs_framed(self) -> bool:
        """True once every output type has its framing."""
    def flush_home_books(self, accounts: list[tuple[str, str]], start: int, owned: list[bool],
                         book_homes: dict[Any, int], changes: dict[int, dict[bytes, bytes | None]],
                         changelog: list[tuple[bytes, bytes | None, int]]) -> int:
        """Flush the changed books that stay at their home from ``start`` on; how many."""
    @staticmethod
    def sorted_accounts(accounts: Any) -> list[tuple[str, str]] | None:
        """``sorted(accounts)`` of account tuples, or None: one is not two UTF-8 strings."""
    def buffer_inputs(self, messages: list[Any], start: int, ranks: dict[str, int],
                      buffers: dict[Any, Any], new_buffer: Any) -> int:
        """Read a poll's input records from ``start`` on into the merge's buffers while this
        engine reads them; how many it read."""
    def decide_direct(self, released: list[Any], start: int, fast: list[bool]) -> DirectBatch:
        """Decide released input records from ``start`` on while each may be decided where
        it is read (``fast[p]``: its root's partition may)."""
    def use_codec_schema(self, event_type: str, schema_json: str) -> bool:
        """True when the codec's schema of the type is the one this engine reads and writes."""
    def read_event(self, payload: bytes) -> NativeEvent | None:
        """The input event of a single-object record, or None: Python's to read."""
    def root_of(self, company_id: str, customer_id: str) -> str:
        """``G:<group>`` or ``A:<company>:<customer>``."""
    def book_bytes(self, company_id: str, customer_id: str) -> bytes | None:
        """The account's book in the changelog format, if held (a stored one decoded first;
        ``UnreadableBook`` if it cannot be)."""
    def has_book(self, company_id: str, customer_id: str) -> bool: ...
    def flush_books(
        self, accounts: list[tuple[str, str]], partitions: int
    ) -> list[tuple[bytes, bytes | None, int]]:
        """For each account: changelog key, book bytes (None: no book), root's partition."""
    def adopt_books(
        self, books: list[tuple[bytes, bytes]], partitions: int
    ) -> list[tuple[tuple[str, str], int]]:
        """Books restored from a store, kept as their bytes until first used: each account
        and its credit root's partition."""
    def merge_book(self, company_id: str, customer_id: str, payload: bytes) -> str:
        """A handed-over book absorbs the one held; the account's credit root."""
    def drop_book(self, company_id: str, customer_id: str) -> bool:
        """Remove the account's book (decoded or stored); false if none was held."""
    def stored_count(self) -> int:
        """How many books are held as their stored bytes, not decoded yet."""
    def load_all_books(self) -> None:
        """Decode every stored book and count it in its group; ``UnreadableBook`` names an
        account whose book cannot be read."""
    def book_accounts(self) -> list[tuple[str, str]]:
        """Every account with a decoded book, sorted (not those still held as stored bytes)."""
    def members(self, group_id: str) -> list[tuple[str, str]]:
        """The accounts naming the group, sorted."""
    def group_totals(
        self, group_id: str
    ) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, int, int]]]:
        """``(currency, company, receivable, open orders)`` and ``(currency, due day, amount)``,
        the group's stored members decoded first."""
    def customer_count(self) -> int:
        """How many customer profiles the reference table holds."""
    @staticmethod
    def not_canonical(line: bytes) -> str | None:
        """Why a line is not canonical, or ``None`` if it is."""
    def reference_snapshot(self) -> bytes:
        """The reference table as bytes; ``UnreadableSnapshot`` once the engine holds a book."""
    def load_reference_snapshot(self, payload: bytes) -> None:
        """The reference table replaced by a snapshot's; on ``UnreadableSnapshot`` nothing
        changed."""
    def account_count(self) -> int:
        """How many account books the engine holds (decoded or stored)."""
    def memory_breakdown(self) -> list[tuple[str, int]]:
        """Bytes the engine holds, by part (capacities as allocated: an estimate)."""
    def held_count(self) -> int:
        """How many orders are held for a credit analyst (every stored book decoded first)."""

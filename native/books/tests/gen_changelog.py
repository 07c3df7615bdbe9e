"""Writes tests/data/changelog.json.gz (gzip): account books as Python's
``service.domain.snapshot`` writes them, for ``tests/changelog.rs`` to read and write back.

Run from the repository root:
``PYTHONPATH=. .venv/bin/python native/books/tests/gen_changelog.py``

The books are the Python engine's after replaying the example log, a generated load
(``service.loadgen``) and random logs that reach every rule (``tests/unit/native_logs.py``),
plus hand-made edge cases (the empty book, balances and amounts past 64 bits, wide tables,
long id logs with repeats, review days, held orders of every shape, Unicode ids, currencies
of 0 to 4 digits). Each case is ``{"payload": base64, "book": description}`` where the
description is the book as Python reads the payload back (``book_from_bytes``), and
``"rewritten"`` what Python's ``book_to_bytes`` writes for that book. ``"writes"`` are books
Python wrote (version 3 or 2), ``"reads"`` payloads of versions 1 and 2 written for books
that version 3 would hold, and version 3 payloads with a negative length other than -1;
``"refused"`` payloads Python's ``book_from_bytes`` (or the first use of the book it gives)
raises on, or reads balances that are not integers from; ``"accepted"`` mutated payloads Python reads into a usable book.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import struct
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

from service.domain import snapshot
from service.domain.engine import CreditEngine
from service.domain.interning import DigestSet
from service.domain.ledger import AccountBook, HeldOrder
from service.domain.packing import OpenInvoice, id_digest
from service.loadgen import LoadConfig, generate
from service.replay import replay_lines
from tests.unit.native_logs import event_logs

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).parent / "data" / "changelog.json.gz"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BIG = 2**63
rng = random.Random(20261206)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def held_fields(held: HeldOrder) -> dict[str, Any]:
    sign, digits, exponent = held.amount.as_tuple()
    return {
        "event_id": held.event_id,
        "amount": [sign, str(int("".join(map(str, digits)))), exponent],
        "currency": held.currency,
        "ledger_amount": None if held.ledger_amount is None else str(held.ledger_amount),
        "payment_type": held.payment_type,
        "reason_codes": list(held.reason_codes),
        "credit_manager": held.credit_manager,
        "entered_by": held.entered_by,
        "warehouse_id": held.warehouse_id,
        "held_at": [
            (held.held_at - EPOCH) // timedelta(microseconds=1),
            int(held.held_at.utcoffset().total_seconds()),
        ],
    }


def describe(book: AccountBook) -> dict[str, Any]:
    """The book as the Rust test compares it (money as strings, digests as hex)."""
    return {
        "currency": book.currency,
        "balances": [str(book.receivable), str(book.open_order_total), str(book.credit)],
        "orders": [[i, str(amount)] for i, amount in book.order_items().items()],
        "invoices": [
            [i, str(v.open_amount), v.due, v.invoice_date] for i, v in book.invoice_items().items()
        ],
        "holds": [[i, held_fields(h)] for i, h in book.hold_items().items()],
        "seen": book.seen_bytes().hex(),
        "review": book.review_notified.toordinal() if book.review_notified else None,
    }


def read_case(payload: bytes) -> dict[str, Any] | None:
    """What Python reads from the payload, or None if it raises (reading or using it)."""
    try:
        book = snapshot.book_from_bytes(payload)
        balances = (book.receivable, book.open_order_total, book.credit)
        if not all(type(balance) is int for balance in balances):
            return None  # (a float: ``book_to_bytes`` would scan ``range`` for ever)
        described = describe(book)
        rewritten = snapshot.book_to_bytes(book)
    except Exception:  # noqa: BLE001 - any refusal counts
        return None
    return {"payload": b64(payload), "book": described, "rewritten": b64(rewritten)}


# -- books of the Python engine ----------------------------------------------------------------


def replayed(lines: list[bytes]) -> list[AccountBook]:
    engine = CreditEngine()
    for _ in replay_lines(lines, engine):
        pass
    return list(engine.books.values())


def engine_books() -> list[AccountBook]:
    books = replayed((ROOT / "examples" / "events.jsonl").read_bytes().splitlines())
    config = LoadConfig(seed=5, accounts=300, groups=12, events=6_000)
    load = replayed([json.dumps(event).encode() for event in generate(config)])
    books += rng.sample(load, 150)
    found: list[AccountBook] = []

    @seed(20261207)
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(event_logs())
    def collect(events: list[dict[str, Any]]) -> None:
        found.extend(replayed([json.dumps(event).encode() for event in events]))

    collect()
    return books + rng.sample(found, min(len(found), 250))


# -- hand-made books ---------------------------------------------------------------------------


def held(number: int, **changes: Any) -> HeldOrder:
    zone = timezone(timedelta(seconds=rng.choice([0, 3600, -18000, 19800, 5430])))
    fields: dict[str, Any] = {
        "event_id": f"e-{number}",
        "amount": Decimal("1250.00"),
        "currency": "EUR",
        "ledger_amount": 125_000,
        "payment_type": "on_account",
        "reason_codes": ("CUSTOMER_LIMIT",),
        "credit_manager": "ALT",
        "entered_by": None,
        "warehouse_id": "EU01-W1",
        "held_at": datetime(2026, 3, 2, 9, 30, tzinfo=zone) + timedelta(microseconds=number),
    }
    fields.update(changes)
    return HeldOrder(**fields)


def digest(number: int) -> bytes:
    return id_digest("order", f"SO-{number}")


def with_log(digests: list[bytes]) -> AccountBook:
    book = AccountBook("EUR")
    for raw in digests:
        if not book.has_seen(raw):
            book.mark_seen(raw)
    return book


def edge_books() -> list[AccountBook]:
    books = [AccountBook(ccy) for ccy in ("EUR", "JPY", "KWD", "CLF", "USD")]
    for ccy, amounts in (("JPY", (1, 99_999)), ("KWD", (1_005, -3)), ("CLF", (12_3456, 7))):
        book = AccountBook(ccy)
        book.add_order("SO-1", amounts[0])
        book.post_invoice("INV-1", amounts[1], date(2026, 3, 2), date(2026, 4, 1))
        books.append(book)
    for balances in ((BIG - 1, -BIG, 0), (BIG, 0, 0), (0, -BIG - 1, 0), (0, 0, 10**30),
                     (-(2**126), 2**126, -1)):  # fmt: skip
        book = AccountBook("EUR")
        book.receivable, book.open_order_total, book.credit = balances
        books.append(book)
    ids = ["", "O1", "é", "日本", "😀", 'q"\\/\x7f', "O\x00nul", "x" * 300, "\u2028\t\n"]
    for wide in (False, True):
        book = AccountBook("EUR")
        for number, order_id in enumerate(ids):
            if wide or "\x00" not in order_id:
                book.add_order(order_id, [5, -BIG, BIG - 1, 0, 7][number % 5])
        if wide:
            book.add_order("huge", BIG + 5)
        books.append(book)
        invoices = AccountBook("EUR")
        for number, invoice_id in enumerate(ids):
            if wide or "\x00" not in invoice_id:
                due = date(2026, 1, 1) + timedelta(days=number * 7)
                invoices.post_invoice(invoice_id, 1_000 + number, due - timedelta(30), due)
        invoices.post_payment(1_500, ("é",))
        if wide:
            invoices.post_invoice("huge", BIG, date(2026, 1, 1), date(2026, 2, 1))
        books.append(invoices)
    book = AccountBook("EUR")
    book.set_invoices({"I0": OpenInvoice(0, 1, 3_652_059), "I1": OpenInvoice(-BIG, -5, 0)})
    books.append(book)
    for count in (1, 31, 32, 33, 63, 64, 65, 70, 200):
        books.append(with_log([digest(n) for n in range(count)]))
    repeats = AccountBook("EUR")
    repeats.seen = b"".join(digest(n % 7) for n in range(20))  # a log with repeats, as logged
    books.append(repeats)
    repeats = AccountBook("EUR")
    repeats.seen = b"".join(digest(n % 30) for n in range(50))  # > 32: written distinct
    books.append(repeats)
    extremes = AccountBook("EUR")
    extremes.load_seen(b"\xff" * 8 + b"\x00" * 8 + b"\x80" + b"\x00" * 7)
    books.append(extremes)
    table = AccountBook("EUR")
    table.seen = DigestSet(256)
    for n in range(3):
        table.seen.add(int.from_bytes(digest(n), "big"))
    books.append(table)
    for day in (date(1, 1, 1), date(2026, 3, 2), date(9999, 12, 31)):
        book = AccountBook("USD")
        book.review_notified = day
        book.post_invoice("INV-9", 5, day, day)
        books.append(book)
    books.append(held_books())
    books += version_2_books(held_books())
    return books


def version_2_books(full: AccountBook) -> list[AccountBook]:
    """Books version 3 cannot hold, with every section filled in turn."""
    found = []
    for number in range(6):
        book = snapshot.book_from_bytes(snapshot.book_to_bytes(full))
        book.post_invoice(f"INV-{number}", 700 + number, date(2026, 3, 2), date(2026, 4, 2))
        if number == 0:
            book.receivable += BIG
        elif number == 1:
            book.credit = -BIG - 1
        elif number == 2:
            book.add_order("O\x00x", 1)
        elif number == 3:
            book.post_invoice("I\x00x", 5, date(2026, 3, 2), date(2026, 5, 2))
        elif number == 4:
            book.add_order("big", -BIG - 1)
            book.review_notified = date(2026, 3, 9)
        else:
            book.post_invoice("big", 2**70, date(2026, 3, 2), date(2026, 5, 2))
            book.set_holds({})
        found.append(book)
    return found


def held_books() -> AccountBook:
    book = AccountBook("EUR")
    codes = ("SALES_BLOCKED", "CUSTOMER_LIMIT", "GROUP_LIMIT", "HOLD_PERIOD", "OVERDUE_LIMIT",
             "MISSING_EXCHANGE_RATE", "MANUAL_RELEASE")  # fmt: skip
    amounts = ["1250.00", "-0.00", "0", "1E+3", "1.2345E-8", "0.000001",
               "123456789012345678901234.56", "9" * 38]  # fmt: skip
    zones = [timezone(timedelta(hours=14)), timezone(-timedelta(hours=23, minutes=59)),
             timezone(timedelta(seconds=5430)), UTC]  # fmt: skip
    for number, amount in enumerate(amounts):
        book.hold(f"O{number}", held(
            number, amount=Decimal(amount), reason_codes=codes[: number % 7 + 1],
            ledger_amount=[None, 5, BIG, -(2**100)][number % 4],
            payment_type=["on_account", "cash", "cod"][number % 3],
            credit_manager=[None, "ALT", "Zoë", "日本"][number % 4],
            entered_by=[None, "WEB", 'x"\\'][number % 3], warehouse_id=[None, "W😀"][number % 2],
            held_at=datetime(2026, 3, 2, 9, 30, 15, number * 123_457 % 1_000_000,
                             tzinfo=zones[number % 4]),
        ))  # fmt: skip
    book.hold("O\x00nul", held(90, held_at=datetime(1, 1, 1, tzinfo=UTC)))
    book.hold("Oé", held(91, held_at=datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)))
    book.hold("O3", held(92, reason_codes=()))  # replaced where it stands
    book.add_order("SO-1", 10)
    return book


# -- payloads of the older versions and mutated ones -------------------------------------------


def version_1(book: AccountBook) -> bytes:
    """The book as the version 1 writer wrote it (``git show c45a793^:service/domain/
    snapshot.py``)."""
    record = [
        1, book.currency, book.receivable, book.open_order_total, book.credit,
        book.order_items(), {i: h.to_record() for i, h in book.hold_items().items()},
        {i: list(v) for i, v in book.invoice_items().items()}, book.seen_bytes().hex(),
        book.review_notified.toordinal() if book.review_notified else None,
    ]  # fmt: skip
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode()


def other_lengths(payload: bytes) -> bytes | None:
    """A version 3 payload with its -1 lengths written as another negative number."""
    at = 30 + payload[29]
    lengths = list(struct.unpack_from("<iiii", payload, at))
    if -1 not in lengths:
        return None
    lengths = [-(2**31) if length == -1 else length for length in lengths]
    return payload[:at] + struct.pack("<iiii", *lengths) + payload[at + 16 :]


def mutations(payload: bytes, count: int) -> list[bytes]:
    found = []
    for _ in range(count):
        raw = bytearray(payload)
        kind = rng.randrange(4)
        at = rng.randrange(len(raw))
        if kind == 0:
            raw[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del raw[at]
        elif kind == 2:
            raw.insert(at, rng.randrange(256))
        else:
            raw[at] = rng.choice([0, 0x22, 0x5C, 0x0A, 0xFF, 0x80, 0x7B, 0x5D])
        found.append(bytes(raw))
    return found


def main() -> None:
    books = engine_books() + edge_books()
    writes = [read_case(snapshot.book_to_bytes(book)) for book in books]
    reads = []
    for book in books:
        payload = snapshot.book_to_bytes(book)
        older = [version_1(book)]
        if payload[:1] == b"\x03":
            older += [snapshot._json(book), other_lengths(payload)]  # noqa: SLF001
        reads += [read_case(raw) for raw in older if raw is not None]
    refused, accepted = [], []
    for book in rng.sample(books, 120) + books[-60:]:
        payload = snapshot.book_to_bytes(book)
        for raw in mutations(payload, 10) + [b"\x04" + payload[1:], b"[3" + payload[2:]]:
            case = read_case(raw)
            if case is None:
                refused.append(b64(raw))
            elif case["payload"] != b64(payload):
                accepted.append(case)
    refused += [b64(raw) for raw in (b"", b"\x03", b"[]", b"[1]", b"null", b"{}", b"\xff")]
    cases = {"writes": writes, "reads": reads, "refused": refused, "accepted": accepted}
    assert all(case is not None for case in writes + reads)
    OUT.write_bytes(gzip.compress(json.dumps(cases, separators=(",", ":")).encode(), 9, mtime=0))
    versions = [base64.b64decode(case["payload"])[:1] for case in writes]
    print(f"{len(writes)} books ({versions.count(b'[')} as version 2), {len(reads)} older"
          f" payloads, {len(refused)} refused, {len(accepted)} accepted mutations;"
          f" {OUT.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

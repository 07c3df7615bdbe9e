"""Writes every book of a Python replay as ``book_to_bytes`` payloads (each after its length,
``<I``), for ``tests/changelog.rs``'s ignored ``books_of_a_python_replay_round_trip`` test:
the example log, a generated load (``service.loadgen``, seed 11) and random logs that reach
every rule (``tests/unit/native_logs.py``).

``PYTHONPATH=. .venv/bin/python native/books/tests/dump_changelog_books.py 5000 200000 /tmp/books.bin``
then ``CHANGELOG_BOOKS=/tmp/books.bin cargo test -p credit_books --test changelog -- --ignored --nocapture``
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

from service.domain.engine import CreditEngine
from service.domain.snapshot import book_from_bytes, book_to_bytes
from service.loadgen import LoadConfig, generate
from service.replay import replay_lines
from tests.unit.native_logs import event_logs

ROOT = Path(__file__).resolve().parents[3]


def books_of(lines: list[bytes]) -> list[Any]:
    engine = CreditEngine()
    for _ in replay_lines(lines, engine):
        pass
    return list(engine.books.values())


def wide_events() -> list[dict[str, Any]]:
    """Orders past 64 bits (``tests/unit/test_native_engine.py::test_amounts_past_64_bits``),
    for accounts whose books only version 2 holds."""
    at, huge = "2026-03-02T09:00:00Z", "123456789012345678901234.56"
    found: list[dict[str, Any]] = [
        {"event_type": "company_upserted", "company_id": "ZZ", "currency": "EUR"}
    ]
    for number in range(20):
        account = {"company_id": "ZZ", "customer_id": f"W{number}"}
        found += [
            {"event_type": "customer_upserted", **account, "currency": "EUR",
             "credit_limit": huge},
            {"event_type": "order_created", **account, "currency": "EUR",
             "payment_type": "on_account", "order_id": f"w-{number}",
             "amount": f"98765432109876543210.{number:02d}"},
            {"event_type": "order_created", **account, "currency": "EUR",
             "payment_type": "on_account", "order_id": f"v-{number}", "amount": huge},
        ]  # fmt: skip
    for number, event in enumerate(found):
        event.update(event_id=f"w-{number}", occurred_at=at)
    return found


def main() -> None:
    accounts, events, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    books = books_of((ROOT / "examples" / "events.jsonl").read_bytes().splitlines())
    config = LoadConfig(seed=11, accounts=accounts, groups=max(accounts // 50, 1), events=events)
    books += books_of([json.dumps(event).encode() for event in generate(config)])

    @seed(20261208)
    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(event_logs())
    def collect(log: list[dict[str, Any]]) -> None:
        books.extend(books_of([json.dumps(event).encode() for event in log]))

    collect()
    books += books_of([json.dumps(event).encode() for event in wide_events()])
    payloads = [book_to_bytes(book) for book in books]
    assert all(book_to_bytes(book_from_bytes(raw)) == raw for raw in payloads)
    out.write_bytes(b"".join(struct.pack("<I", len(raw)) + raw for raw in payloads))
    long_logs = sum(len(book.seen_bytes()) > 64 * 8 for book in books)
    held = sum(book.holds is not None for book in books)
    version_2 = sum(raw[:1] != b"\x03" for raw in payloads)
    print(f"{len(payloads)} books ({version_2} as version 2,"
          f" {held} with holds, {long_logs} with more than 64 ids) in {out}")


if __name__ == "__main__":
    main()

"""Writes the books of make bench's load (scaled: N accounts, N/50 groups, 10 N events, seed 7),
replayed on the Python engine, as JSON for tests/memory.rs's ignored bench_load_books test.

``.venv/bin/python native/books/tests/dump_bench_books.py 10000 /tmp/bench_books.json``
then ``BENCH_BOOKS=/tmp/bench_books.json cargo test -p credit_books --test memory -- --ignored --nocapture``
"""
import json, sys
from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT
from service.loadgen import LoadConfig, generate

accounts = int(sys.argv[1])
config = LoadConfig(seed=7, accounts=accounts, groups=accounts // 50, events=accounts * 10)
engine = CreditEngine()
for event in generate(config):
    engine.handle(INPUT_EVENT.validate_json(json.dumps(event)))
out = []
for book in engine.books.values():
    raw = book.seen_bytes()
    holds = []
    for oid, h in book.hold_items().items():
        t = h.amount.as_tuple()
        holds.append([oid, {
            "event_id": h.event_id, "amount": [t.sign, int("".join(map(str, t.digits))), t.exponent],
            "currency": h.currency, "ledger_amount": None if h.ledger_amount is None else str(h.ledger_amount),
            "payment_type": h.payment_type, "reason_codes": list(h.reason_codes),
            "credit_manager": h.credit_manager, "entered_by": h.entered_by, "warehouse_id": h.warehouse_id,
            "held_at": [int(h.held_at.timestamp()) * 1_000_000 + h.held_at.microsecond, int(h.held_at.utcoffset().total_seconds())],
        }])
    out.append({
        "currency": book.currency,
        "orders": [[i, str(a)] for i, a in book.order_items().items()],
        "invoices": [[i, str(v.open_amount), v.due, v.invoice_date] for i, v in book.invoice_items().items()],
        "seen": [int.from_bytes(raw[k:k + 8], "big") for k in range(0, len(raw), 8)],
        "holds": holds,
    })
json.dump(out, open(sys.argv[2], "w"))
print(len(out), "books")

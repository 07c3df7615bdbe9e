"""Writes tests/data/trace.json.gz (gzip): random operation sequences on the Python reference's
``AccountBook`` and ``GroupTotals`` with the result of every step and the state after it,
for ``tests/differential.rs`` to replay on the native books and compare.

Run from the repository root:
``.venv/bin/python native/books/tests/gen_trace.py``

Each sequence works three books in one group (A: EUR of C1, B: USD of C2, C: EUR of C2), kept
in the group's totals as the engine does (the balance deltas through ``add``, the returned due
changes through ``add_dues``; ``absorb`` and ``move`` count a book out and in with
``add_book``). Money travels as decimal strings (amounts beyond 64 bits occur on purpose: they
put Python's tables in the wide form), digests as ints.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from service.domain.group_totals import GroupTotals
from service.domain.ledger import AccountBook, HeldOrder
from service.domain.packing import invoice_records

SEQUENCES = 80
STEPS = 40
LARGE = 6  # more sequences: one book, mostly invoiced, up to 60 invoice ids (many dues)
BIG = 2**63  # beyond Python's packed 64-bit amounts
CODES = ["SALES_BLOCKED", "CUSTOMER_LIMIT", "GROUP_LIMIT", "HOLD_PERIOD", "OVERDUE_LIMIT"]
ORDER_IDS = ["O1", "O2", "O3", "O4", "O5", "ORDER-with-a-long-id-000000001", "O\x00nul"]
HOLD_IDS = ["O1", "O2", "O1", "O2", "ORDER-with-a-long-id-000000001", "O\x00nul"]  # holds meet
INVOICE_IDS = [
    "I1", "I2", "I3", "I4", "I5", "I6", "I10", "Ié", "I日本", "Z0",
    "INVOICE-with-a-long-id-0000000001", "I\x00nul",
]  # fmt: skip
OFFSETS = [0, 3600, -18000, 19800, 5430]  # 5430 s: an offset with seconds
BASE_DAY = 739_000

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 20240611)


def money(value: int) -> str:
    return str(value)


def changes(found: dict[int, int]) -> list[list]:
    return [[due, money(amount)] for due, amount in found.items()]


def amount() -> int:
    roll = rng.random()
    if roll < 0.04:
        return 0
    if roll < 0.07:
        return BIG + rng.randrange(10**6)
    if roll < 0.35:
        return rng.randrange(1, 200)
    return rng.randrange(1, 100_000)


invoice_pool = INVOICE_IDS  # the invoice ids of the sequence being made


def pick(ids: list[str]) -> str:
    # the short plain ids most of the time, so ids repeat
    if len(ids) > 20:
        return rng.choice(ids)
    return rng.choice(ids[:5]) if rng.random() < 0.7 else rng.choice(ids)


def held_order() -> tuple[dict, HeldOrder]:
    sign, coefficient, exponent = rng.choice([0, 0, 0, 1]), rng.randrange(10**7), rng.choice([-2, -2, 0, -3, 2])
    amount_ = Decimal((sign, tuple(int(d) for d in str(coefficient)), exponent))
    micros = 1_750_000_000_000_000 + rng.randrange(10**11) * rng.choice([1, 1000])
    offset = rng.choice(OFFSETS)
    at = datetime.fromtimestamp(0, timezone(timedelta(seconds=offset))) + timedelta(microseconds=micros)
    ledger = rng.choice([None, rng.randrange(10**6), BIG + 5])
    codes = rng.sample(CODES, k=rng.randrange(4))
    maybe = lambda text: rng.choice([None, text])  # noqa: E731
    fields = {
        "event_id": f"E{rng.randrange(1000)}", "amount": [sign, coefficient, exponent],
        "currency": rng.choice(["EUR", "USD"]), "ledger_amount": None if ledger is None else money(ledger),
        "payment_type": rng.choice(["on_account", "cash", "cod"]), "reason_codes": codes,
        "credit_manager": maybe("mgr"), "entered_by": maybe("clerk é"), "warehouse_id": maybe("W1"),
        "held_at": [micros, offset],
    }  # fmt: skip
    held = HeldOrder(
        fields["event_id"], amount_, fields["currency"], ledger, fields["payment_type"],
        tuple(codes), fields["credit_manager"], fields["entered_by"], fields["warehouse_id"], at,
    )  # fmt: skip
    return fields, held


def record(held: HeldOrder | None) -> list | None:
    if held is None:
        return None
    out = held.to_record()
    out[3] = None if out[3] is None else money(out[3])
    return out


def book_state(book: AccountBook, day: int, allowed: int, aged_cutoff: int | None, op: str) -> dict:
    """The book after a step. Holds and the id log only after the steps that change them
    (they are most of the file otherwise); the distinct digests only when the log differs."""
    records = list(invoice_records(book.invoices)) if book.invoices is not None else []
    state = {
        "balances": [money(book.receivable), money(book.open_order_total), money(book.credit)],
        "orders": [[i, money(a)] for i, a in book.order_items().items()],
        "invoices": [[i, money(v.open_amount), v.due, v.invoice_date] for i, v in book.invoice_items().items()],
        "dues": changes(book.dues()),
        "has_holds": bool(book.holds),
        "exposure": [money(book.exposure(True)), money(book.exposure(False))],
        "overdue": [day, allowed, money(book.overdue(date.fromordinal(day), allowed))],
        "aged": [aged_cutoff, money(sum(a for a, d, _ in records if aged_cutoff is None or d < aged_cutoff))],
        "has_invoices": book.invoices is not None,
        "review_notified": None if book.review_notified is None else book.review_notified.toordinal(),
    }  # fmt: skip
    if op in ("hold", "take_hold", "drop_hold", "held", "absorb"):
        state["holds"] = [[i, record(h)] for i, h in book.hold_items().items()]
    if op in ("see", "absorb"):
        raw = book.seen_bytes()
        state["seen_log"] = [int.from_bytes(raw[at : at + 8], "big") for at in range(0, len(raw), 8)]
        distinct = sorted(int.from_bytes(d, "big") for d in book.seen_digests())
        if distinct != state["seen_log"]:
            state["seen_digests"] = distinct
    return state


def group_state(totals: GroupTotals, excluded: list[str], day: int, allowed: int) -> dict:
    return {
        "excluded": excluded,
        "exposure": [[c, money(a)] for c, a in sorted(totals.exposure(set(excluded)).items())],
        "overdue": [day, allowed, [[c, money(a)] for c, a in sorted(totals.overdue(date.fromordinal(day), allowed).items())]],
        "dues": [[c, d, money(a)] for (c, d), a in sorted(totals.dues.items())],
        "buckets": [[c, k, money(r), money(o)] for (c, k), (r, o) in totals.buckets.items()],
    }  # fmt: skip


def book_op(book: AccountBook) -> tuple[dict, object]:
    """One random operation on ``book``: the op as JSON and its result as JSON."""
    roll = rng.random()
    if len(invoice_pool) > 20 and rng.random() < 0.6:
        roll = 0.32 + 0.2 * rng.random()  # a post_invoice
    if roll < 0.14:
        op = {"op": "add_order", "id": pick(ORDER_IDS), "amount": money(amount())}
        return op, book.add_order(op["id"], int(op["amount"]))
    if roll < 0.20:
        op = {"op": "take_order", "id": pick(ORDER_IDS)}
        found = book.take_order(op["id"])
        return op, None if found is None else money(found)
    if roll < 0.27:
        by = rng.choice([amount(), rng.randrange(1, 50), 10**9, -rng.randrange(1, 5)])
        op = {"op": "reduce_order", "id": pick(ORDER_IDS), "by": money(by)}
        return op, money(book.reduce_order(op["id"], by))
    if roll < 0.30:
        op = {"op": "remove_order", "id": pick(ORDER_IDS)}
        try:
            return op, money(book.remove_order(op["id"]))
        except KeyError:
            return op, "KeyError"
    if roll < 0.32:
        op = {"op": "has_order", "id": pick(ORDER_IDS)}
        return op, book.has_order(op["id"])
    if roll < 0.52:
        due = BASE_DAY + rng.randrange(-60, 120)
        op = {"op": "post_invoice", "id": pick(invoice_pool), "amount": money(amount()),
              "invoice_date": due - rng.choice([0, 14, 30]), "due": due}  # fmt: skip
        found = book.post_invoice(op["id"], int(op["amount"]), date.fromordinal(op["invoice_date"]), date.fromordinal(due))
        return op, changes(found)
    if roll < 0.67:
        names = [pick(invoice_pool) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
        if names and rng.random() < 0.2:
            names.append(names[0])  # named twice
        paid = rng.choice([amount(), rng.randrange(1, 300), rng.randrange(1, 3000), 10**6])
        op = {"op": "post_payment", "amount": money(paid), "ids": names}
        return op, changes(book.post_payment(paid, tuple(names)))
    if roll < 0.74:
        fields, held = held_order()
        op = {"op": "hold", "id": pick(HOLD_IDS), "held": fields}
        return op, book.hold(op["id"], held)
    if roll < 0.77:
        op = {"op": "held", "id": pick(HOLD_IDS)}
        return op, record(book.held(op["id"]))
    if roll < 0.80:
        op = {"op": "take_hold", "id": pick(HOLD_IDS)}
        return op, record(book.take_hold(op["id"]))
    if roll < 0.83:
        op = {"op": "drop_hold", "id": pick(HOLD_IDS)}
        return op, book.drop_hold(op["id"])
    if roll < 0.92:
        marks = rng.choice([1, 1, 1, 2, 5, 40, 70])
        digests = [rng.randrange(40) if rng.random() < 0.5 else rng.randrange(2**64) for _ in range(marks)]
        again = [rng.random() < 0.05 for _ in digests]  # (rarely marked again: the log allows it)
        seen = []
        for digest, force in zip(digests, again, strict=True):
            raw = digest.to_bytes(8, "big")
            was = book.has_seen(raw)
            seen.append(was)
            if not was or force:
                book.mark_seen(raw)
        return {"op": "see", "digests": digests, "again": again}, seen
    if roll < 0.94:
        day = rng.choice([None, BASE_DAY + rng.randrange(200)])
        book.review_notified = None if day is None else date.fromordinal(day)
        return {"op": "review_notified", "day": day}, None
    op = {"op": "has_seen", "digest": rng.randrange(40)}
    return op, book.has_seen(op["digest"].to_bytes(8, "big"))


def sequence(length: int) -> dict:
    books = {"A": (AccountBook("EUR"), "C1"), "B": (AccountBook("USD"), "C2"), "C": (AccountBook("EUR"), "C2")}
    totals = GroupTotals()
    steps = []
    for _ in range(length):
        name = "A" if len(invoice_pool) > 20 else rng.choice("AABBC")
        book, company = books[name]
        receivable, open_ = book.receivable, book.open_order_total
        roll = rng.random()
        if roll < 0.05:  # a hand-over that crossed: the present book is taken in
            present = AccountBook(book.currency)
            sub = [book_op(present)[0] for _ in range(rng.randrange(1, 8))]
            totals.add_book(book, company, -1)
            book.absorb(present)
            totals.add_book(book, company, +1)
            step = {"book": name, "op": "absorb", "ops": sub, "result": None}
        elif roll < 0.08:  # the account leaves the group and joins it again
            totals.add_book(book, company, -1)
            mid = group_state(totals, [], BASE_DAY + 60, 0)
            totals.add_book(book, company, +1)
            step = {"book": name, "op": "move", "result": mid}
        elif roll < 0.10:  # a direct bucket change
            delta = [rng.randrange(-50, 50), rng.randrange(-50, 50)]
            ccy = rng.choice(["EUR", "USD", "JPY"])
            totals.add(ccy, company, *delta)
            step = {"book": name, "op": "group_add", "currency": ccy, "company": company,
                    "deltas": [money(d) for d in delta], "result": None}  # fmt: skip
        else:
            op, result = book_op(book)
            step = {"book": name, **op, "result": result}
            totals.add(book.currency, company, book.receivable - receivable, book.open_order_total - open_)
            if op["op"] in ("post_invoice", "post_payment"):
                totals.add_dues(book.currency, dict((d, int(a)) for d, a in result))
        day, allowed = BASE_DAY + rng.randrange(-30, 200), rng.choice([0, 0, 5, 30, 90])
        cutoff = rng.choice([None, BASE_DAY + rng.randrange(-30, 150)])
        excluded = rng.sample(["C1", "C2", "C9"], k=rng.randrange(3))
        step["state"] = book_state(book, day, allowed, cutoff, step["op"])
        step["group"] = group_state(totals, excluded, day, allowed)
        steps.append(step)
    return {"steps": steps}


def main() -> None:
    out = Path(__file__).parent / "data" / "trace.json.gz"
    global invoice_pool
    sequences = [sequence(STEPS) for _ in range(SEQUENCES)]
    invoice_pool = INVOICE_IDS + [f"N{n}" for n in range(48)]
    sequences += [sequence(100) for _ in range(LARGE)]
    out.write_bytes(gzip.compress((json.dumps(sequences, separators=(",", ":"), ensure_ascii=True) + "\n").encode(), mtime=0))
    steps = sum(len(s["steps"]) for s in sequences)
    print(f"{len(sequences)} sequences, {steps} steps -> {out} ({out.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Deterministic, realistic input events for the credit service (benchmark, demo, examples).

`generate(config)` streams events in the JSON form of CONTRACT.md: first the reference data
(`reference_events`), then `config.events` transactions in business-time order with occasional
reference updates (`transaction_events`). The same config always yields the same events; nothing
reads the wall clock. Amounts are kept as integers in minor units and written as decimal strings.

    python -m service.loadgen --accounts 1000 --groups 20 --events 10000 --seed 7 > events.jsonl
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import random
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist

Event = dict[str, object]

DAY = 86_400
_OPEN = 10 * 3600  # business hours, 08:00-18:00 UTC on weekdays
_MASK = 2**64 - 1
_NORMAL = NormalDist()
_CODES = ("USD", "EUR", "GBP", "JPY", "CHF", "SEK", "CAD", "AUD")
_PREFIXES = ("US", "DE", "GB", "JP", "CH", "SE", "CA", "AU")  # company ids: US01, DE01, ...
_PER_USD = (1.0, 0.92, 0.79, 151.0, 0.88, 10.6, 1.37, 1.52)
_MANAGERS = ("JDS", "MBK", "ALT", "KRM", "SMB", "TCH", "RJR", "LWL", "PHN", "DKW", "ENF", "GBE")
_ANALYSTS = ("AKS", "MTR", "CLV", "HDP", "NOR", "BWK", "YSU", "FGA")
_OPERATORS = ("WEB", "EDI", "CLK", "RPN", "JDS", "MTR")  # some operators are credit people too
_NAMES = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Proseware")
_NAMES2 = ("Wingtip", "Alpine", "Coho", "Lucerne", "Trey", "Humongous", "Blue Yonder")
_TRADES = ("Traders", "Foods", "Toys", "Outfitters", "Logistics", "Supplies", "Motors", "Pharma")
_MODES = ("group", "group_and_customer", "hierarchy", "customer")
_STATUSES = ("yes", "no", "cash_only", "cod_only", "hold_until", "open_until")
_NOTES = ("customer confirmed payment", "approved per CFO", "deposit received", "risk too high")
_PAYMENT_TYPES = ("on_account", "cash", "cod")


@dataclass(frozen=True)
class Mix:
    """Relative weights of the transaction kinds."""

    orders: float = 40.0
    invoices: float = 30.0
    payments: float = 22.0
    cancellations: float = 5.0
    hold_decisions: float = 3.0  # releases and rejects


@dataclass(frozen=True)
class LoadConfig:
    """What to generate; `events` counts transactions (reference data comes on top)."""

    seed: int = 1
    accounts: int = 100_000
    groups: int = 2_000
    companies: int = 4
    events: int = 1_000_000
    start: date = date(2026, 3, 2)
    days: int = 60  # calendar days the transactions span
    mix: Mix = field(default_factory=Mix)
    profile_change_rate: float = 0.001  # customer_upserted changes per transaction


@dataclass(frozen=True)
class _Company:
    company_id: str
    currency: str
    per_usd: float
    minor: int  # digits after the decimal point


def _companies(cfg: LoadConfig) -> list[_Company]:
    out = []
    for i in range(cfg.companies):
        k, n = i % len(_CODES), i // len(_CODES) + 1
        minor = 0 if _CODES[k] == "JPY" else 2
        out.append(_Company(f"{_PREFIXES[k]}{n:02d}", _CODES[k], _PER_USD[k], minor))
    return out


def _pairs(cfg: LoadConfig) -> Iterator[tuple[_Company, _Company]]:
    """One direction per currency pair (the service inverts)."""
    firsts = {c.currency: c for c in reversed(_companies(cfg))}
    return itertools.combinations(sorted(firsts.values(), key=lambda c: c.company_id), 2)


def _unit(seed: int, key: int, salt: int) -> float:
    """A uniform number in [0, 1) that depends only on its arguments (splitmix64)."""
    z = (seed * 0x9E3779B97F4A7C15 + key * 0xBF58476D1CE4E5B9 + salt * 0xD6E8FEB86659FD93) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((z ^ (z >> 31)) >> 11) / 2**53


def _rng(seed: int, key: int, salt: int) -> random.Random:
    return random.Random(int(_unit(seed, key, salt) * 2**53))


def _scale(seed: int, account: int) -> float:
    """How big a customer is: a log-normal factor on its orders and its limit."""
    return math.exp(0.8 * _NORMAL.inv_cdf(min(max(_unit(seed, account, 1), 1e-9), 1 - 1e-9)))


def _fmt(minor: int, digits: int) -> str:
    if digits == 0:
        return str(minor)
    major, rest = divmod(abs(minor), 10**digits)
    return f"{'-' if minor < 0 else ''}{major}.{rest:0{digits}d}"


def _minor(usd: float, co: _Company) -> int:
    return max(1, round(usd * co.per_usd * 10.0**co.minor))


def _nice(usd: float, co: _Company) -> str:
    """A round amount (two significant digits) worth about `usd`, as a limit would be."""
    major = max(usd * co.per_usd, 1.0)
    step = int(10.0 ** max(math.floor(math.log10(major)) - 1, 0))
    return _fmt(round(major / step) * step * int(10.0**co.minor), co.minor)


def _rate_str(rate: float) -> str:
    """Six significant digits, never in exponent notation."""
    return f"{rate:.{max(0, 5 - math.floor(math.log10(rate)))}f}"


def _date(cfg: LoadConfig, day: int) -> str:
    return (cfg.start + timedelta(days=day)).isoformat()


def _instant(cfg: LoadConfig, second: int) -> str:
    day, sec = divmod(second, DAY)
    return f"{_date(cfg, day)}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"


def _twin(cfg: LoadConfig, account: int) -> bool:
    """Every 25th account reuses the previous account's customer id in the next company."""
    return cfg.companies > 1 and account % 25 == 1


def _customer_id(cfg: LoadConfig, account: int) -> str:
    return f"C{account - 1 if _twin(cfg, account) else account:07d}"


def _group_of(cfg: LoadConfig, account: int) -> int | None:
    if cfg.groups == 0 or _unit(cfg.seed, account, 2) >= 0.7:
        return None
    if _twin(cfg, account) and _unit(cfg.seed, account, 3) < 0.5:
        return _group_of(cfg, account - 1)  # half the twins share a group
    return int(_unit(cfg.seed, account, 4) * cfg.groups)


def _compact(record: Event) -> Event:
    return {k: v for k, v in record.items() if v is not None}


def _maybe(r: random.Random, p: float, choices: tuple[str, ...]) -> str | None:
    return r.choice(choices) if r.random() < p else None


def _name(r: random.Random) -> str:
    return f"{r.choice(_NAMES)} {r.choice(_NAMES2)} {r.choice(_TRADES)}"


def _status(r: random.Random, cfg: LoadConfig, p: float, weights: tuple[int, ...]) -> Event:
    if r.random() >= p:
        return {}
    status = r.choices(_STATUSES, weights)[0]
    day = {"hold_until": r.randrange(1, 15), "open_until": r.randrange(10, 60)}.get(status)
    return _compact(
        {"sales_order_status": status, "sales_order_status_date": day and _date(cfg, day)}
    )


def _overdue(r: random.Random, co: _Company, usd: float, p: float) -> Event:
    if r.random() >= p:
        return {}
    amount = _nice(usd * r.lognormvariate(0, 0.5), co)
    return {"allowed_overdue_amount": amount, "allowed_overdue_days": r.choice((0, 7, 14, 30))}


def _ap(r: random.Random, p: float) -> Event:
    """AP manager and phone; the phone's last four characters are the extension."""
    if r.random() >= p:
        return {}
    phone = f"{r.randrange(200, 999)}-555-{r.randrange(10_000):04d} {r.randrange(10_000):04d}"
    return {"ap_manager": f"{r.choice(_NAMES)} AP desk", "ap_phone": phone}


def _company(cfg: LoadConfig, index: int, co: _Company) -> Event:
    return _compact(
        {
            "company_id": co.company_id,
            "currency": co.currency,
            "default_credit_limit": _nice(15_000, co) if index % 2 == 0 else None,
            "tolerance_pct": _rng(cfg.seed, index, 5).choice(("0", "2.5", "5", "10")),
            "max_order_amount": _nice(60_000, co),
            "check_group_limits": index % 4 != 2,
        }
    )


def _warehouses(co: _Company) -> Iterator[Event]:
    overrides: tuple[Event, ...] = (
        {},
        {"tolerance_pct": "7.5"},
        {"max_order_amount": _nice(25_000, co)},
    )
    for k, extra in enumerate(overrides, 1):
        yield {"warehouse_id": f"{co.company_id}-W{k}", "company_id": co.company_id, **extra}


def _group(cfg: LoadConfig, companies: list[_Company], g: int) -> Event:
    r = _rng(cfg.seed, g, 6)
    co = companies[r.randrange(len(companies))]
    mode = r.choices(_MODES, (25, 35, 15, 25))[0]
    members = max(1.0, cfg.accounts * 0.7 / max(cfg.groups, 1))
    usd = 25_000 if mode == "hierarchy" else 6_000 * members
    limit = _nice(usd * r.lognormvariate(0, 0.4), co) if r.random() < 0.9 else None
    expires = 365 if r.random() < 0.97 else r.randrange(3, max(cfg.days, 4))
    return _compact(
        {
            "group_id": f"G{g:05d}",
            "description": f"{_name(r)} group",
            "currency": co.currency,
            "credit_limit": limit,
            "credit_limit_expires": _date(cfg, expires),
            "limit_mode": mode,
            "credit_manager": _maybe(r, 0.8, _MANAGERS),
            **_status(r, cfg, 0.12, (60, 3, 8, 8, 10, 10)),
            "hold_period": r.choice((3, 4, 5)) if r.random() < 0.15 else None,
            **_overdue(r, co, usd * 0.1, 0.2),
            **_ap(r, 0.3),
        }
    )


def _customer_limits(cfg: LoadConfig, r: random.Random, co: _Company, usd: float) -> Event:
    start = r.randrange(0, max(cfg.days, 1))
    temporary = r.random() < 0.05
    return {
        "credit_limit": _nice(usd * r.lognormvariate(0, 0.5), co) if r.random() < 0.92 else None,
        "credit_limit_expires": _date(cfg, 365 if r.random() < 0.97 else start + 3),
        "temporary_credit_limit": _nice(usd * 2, co) if temporary else None,
        "temporary_limit_from": _date(cfg, start) if temporary else None,
        "temporary_limit_to": _date(cfg, start + r.randrange(7, 30)) if temporary else None,
        "insurance_amount": _nice(usd / 4, co) if r.random() < 0.1 else None,
        "guarantee_amount": _nice(usd / 5, co) if r.random() < 0.05 else None,
    }


def _customer_review(cfg: LoadConfig, r: random.Random) -> Event:
    reviewed = r.random() < 0.6
    return {
        "credit_established": _date(cfg, -r.randrange(60, 7000)),
        "last_review": _date(cfg, -r.randrange(30, 365)) if reviewed else None,
        "next_review": _date(cfg, r.randrange(-10, 365)) if r.random() < 0.6 else None,
    }


def _customer(cfg: LoadConfig, account: int, change: Event) -> Event:
    """The whole customer record of an account, with the mid-stream `change` applied."""
    r = _rng(cfg.seed, account, 7)
    co = _companies(cfg)[account % cfg.companies]
    group = _group_of(cfg, account)
    status = _status(r, cfg, 0.08, (40, 5, 15, 15, 12, 13))
    cod = r.random() < (0.7 if status.get("sales_order_status") == "cod_only" else 0.05)
    usd = 12_000 * _scale(cfg.seed, account)
    record = {
        "company_id": co.company_id,
        "customer_id": _customer_id(cfg, account),
        "name": _name(r),
        "currency": co.currency,
        "credit_group_id": None if group is None else f"G{group:05d}",
        **_customer_limits(cfg, r, co, usd),
        "credit_manager": _maybe(r, 0.85, _MANAGERS),
        "credit_analyst": _maybe(r, 0.8, _ANALYSTS),
        "cod_terms": True if cod else None,
        **status,
        "hold_period": r.choice((0, 3, 4, 5)) if r.random() < 0.1 else None,
        **_overdue(r, co, usd * 0.2, 0.25),
        **_ap(r, 0.3),
        **_customer_review(cfg, r),
    }
    return _compact({**record, **change})


def _reference_records(cfg: LoadConfig) -> Iterator[tuple[str, Event]]:
    companies, since = _companies(cfg), _instant(cfg, 0)
    for a, b in _pairs(cfg):
        rate = _rate_str(b.per_usd / a.per_usd)
        pair = {"from_currency": a.currency, "to_currency": b.currency}
        yield "exchange_rate_set", {**pair, "rate": rate, "valid_from": since}
    for index, co in enumerate(companies):
        yield "company_upserted", _company(cfg, index, co)
    for co in companies:
        yield from (("warehouse_upserted", w) for w in _warehouses(co))
    yield from (("group_upserted", _group(cfg, companies, g)) for g in range(cfg.groups))
    yield from (("customer_upserted", _customer(cfg, a, {})) for a in range(cfg.accounts))


def _reference_count(cfg: LoadConfig) -> int:
    return sum(1 for _ in _pairs(cfg)) + 4 * cfg.companies + cfg.groups + cfg.accounts


def _event(number: int, event_type: str, stamp: str, fields: Event) -> Event:
    head: Event = {"event_id": f"e-{number:09d}", "event_type": event_type, "occurred_at": stamp}
    return head | _compact(fields)


def reference_events(config: LoadConfig) -> Iterator[Event]:
    """Rates, companies, warehouses, groups and every customer, all at 06:00 on the start day."""
    stamp = _instant(config, 6 * 3600)
    for number, (event_type, fields) in enumerate(_reference_records(config)):
        yield _event(number, event_type, stamp, fields)


class _Timeline:
    """The transaction stream, with the little bookkeeping it needs to stay plausible."""

    def __init__(self, cfg: LoadConfig) -> None:
        self.cfg, self.rng, self.companies = cfg, random.Random(cfg.seed), _companies(cfg)
        self.days = [d for d in range(cfg.days) if (cfg.start + timedelta(d)).weekday() < 5] or [0]
        self.numbers = itertools.count(_reference_count(cfg))
        self.order_nos, self.invoice_nos, self.payment_nos = (itertools.count(1) for _ in "oip")
        self.now, self.stamp = 0, ""
        self.to_invoice: list[tuple[int, int, int, int]] = []  # (ready, order, account, amount)
        self.to_cancel: list[tuple[int, int, int]] = []  # (ready, order, account)
        self.to_pay: list[tuple[int, int]] = []  # (ready, invoice)
        self.invoices: dict[int, tuple[int, int]] = {}  # open invoice -> (account, open amount)
        self.open_by_account: dict[int, list[int]] = {}  # account -> its open invoices
        self.recent: deque[tuple[int, str, str]] = deque(maxlen=500)  # (order, company, customer)
        self.changes: dict[int, Event] = {}  # account -> its mid-stream changes so far
        self.rates = {(a.currency, b.currency): b.per_usd / a.per_usd for a, b in _pairs(cfg)}

    def run(self) -> Iterator[Event]:
        mix = self.cfg.mix
        weights = (mix.orders, mix.invoices, mix.payments, mix.cancellations, mix.hold_decisions)
        kinds: list[Callable[[], Event | None]]
        kinds = [self._order, self._invoice, self._payment, self._cancel, self._decision]
        for i in range(self.cfg.events):
            if self._tick(i) and self.rng.random() < 0.4:
                yield self._rate_update()
            if self.rng.random() < self.cfg.profile_change_rate:
                yield self._profile_change()
            yield self.rng.choices(kinds, weights)[0]() or self._order()

    def _tick(self, i: int) -> bool:
        """Set the business time of transaction i; true on the first one of a later day."""
        day, second = divmod(i * len(self.days) * _OPEN // max(self.cfg.events, 1), _OPEN)
        now = self.days[day] * DAY + 8 * 3600 + second
        new_day = i > 0 and now // DAY != self.now // DAY
        self.now, self.stamp = now, _instant(self.cfg, now)
        return new_day

    def _emit(self, event_type: str, **fields: object) -> Event:
        return _event(next(self.numbers), event_type, self.stamp, fields)

    def _co(self, account: int) -> _Company:
        return self.companies[account % self.cfg.companies]

    def _party(self, account: int, amount: int | None = None) -> Event:
        co = self._co(account)
        money = (
            {} if amount is None else {"amount": _fmt(amount, co.minor), "currency": co.currency}
        )
        return {
            "company_id": co.company_id,
            "customer_id": _customer_id(self.cfg, account),
            **money,
        }

    def _order(self) -> Event:
        order, rng = next(self.order_nos), self.rng
        account = int(self.cfg.accounts * rng.random() ** 1.5)  # some customers order more
        co = self._co(account)
        amount = _minor(_scale(self.cfg.seed, account) * rng.lognormvariate(7.2, 0.8), co)
        party = self._party(account, amount)
        if rng.random() < 0.002:  # a customer nobody has set up yet
            party["customer_id"] = f"N{order:07d}"
        else:
            self._plan(order, account, amount)
        self.recent.append((order, co.company_id, str(party["customer_id"])))
        return self._emit(
            "order_created",
            order_id=f"o-{order:09d}",
            **party,
            warehouse_id=f"{co.company_id}-W{rng.randrange(1, 4)}" if rng.random() < 0.85 else None,
            payment_type=rng.choices(_PAYMENT_TYPES, (90, 6, 4))[0],
            entered_by=_maybe(rng, 0.7, _OPERATORS),
        )

    def _plan(self, order: int, account: int, amount: int) -> None:
        """Decide now whether the order will be invoiced, cancelled or left open."""
        u = self.rng.random()
        if u < 0.74:
            ready = self.now + self.rng.randrange(DAY // 2, 7 * DAY)
            heapq.heappush(self.to_invoice, (ready, order, account, amount))
        elif u < 0.865:
            ready = self.now + self.rng.randrange(3600, 3 * DAY)
            heapq.heappush(self.to_cancel, (ready, order, account))

    def _invoice(self) -> Event:
        rng, today = self.rng, self.now // DAY
        if self.to_invoice and self.to_invoice[0][0] <= self.now:
            _, order, account, amount = heapq.heappop(self.to_invoice)
            if rng.random() < 0.1:  # partial delivery: the rest stays open on the order
                amount = max(1, amount * rng.randrange(40, 90) // 100)
            return self._post_invoice(account, amount, today, order)
        account = rng.randrange(self.cfg.accounts)  # no order: a service fee or an old invoice
        usd = _scale(self.cfg.seed, account) * rng.lognormvariate(6.5, 0.8)
        back = rng.randrange(1, 150) if rng.random() < 0.6 else 0
        return self._post_invoice(account, _minor(usd, self._co(account)), today - back, None)

    def _post_invoice(self, account: int, amount: int, day: int, order: int | None) -> Event:
        invoice = next(self.invoice_nos)
        self.invoices[invoice] = (account, amount)
        self.open_by_account.setdefault(account, []).append(invoice)
        self._schedule_payment(invoice, day + 30)
        return self._emit(
            "invoice_posted",
            invoice_id=f"i-{invoice:09d}",
            order_id=order and f"o-{order:09d}",
            **self._party(account, amount),
            invoice_date=_date(self.cfg, day),
            due_date=_date(self.cfg, day + 30),
        )

    def _schedule_payment(self, invoice: int, due_day: int) -> None:
        """Most pay around the due date, some early, some late, a few never."""
        u, rng = self.rng.random(), self.rng
        if u < 0.08:
            return
        offset = rng.randrange(-25, -3) if u < 0.3 else rng.randrange(-3, 5) if u < 0.78 else None
        offset = rng.randrange(5, 60) if offset is None else offset
        ready = max(self.now + 3600, (due_day + offset) * DAY + 10 * 3600)
        heapq.heappush(self.to_pay, (ready, invoice))

    def _payment(self) -> Event | None:
        """Pay the invoice next in line (early if none is due), sometimes with a few others."""
        while self.to_pay and self.to_pay[0][1] not in self.invoices:
            heapq.heappop(self.to_pay)
        if not self.to_pay:
            return None
        rng, first = self.rng, heapq.heappop(self.to_pay)[1]
        account = self.invoices[first][0]
        others = [i for i in self.open_by_account[account] if i != first]
        paid = [first, *others[: rng.choice((0, 0, 0, 1, 2))]]
        amount, u = sum(self.invoices[i][1] for i in paid), rng.random()
        if u < 0.14:  # short payment, or an overpayment that leaves a credit
            amount = max(
                1, amount * (rng.randrange(30, 90) if u < 0.1 else rng.randrange(101, 110)) // 100
            )
        self._settle(account, paid, amount)
        return self._emit(
            "payment_posted",
            payment_id=f"p-{next(self.payment_nos):09d}",
            **self._party(account, amount),
            invoice_ids=[f"i-{i:09d}" for i in paid] if rng.random() < 0.75 else None,
        )

    def _settle(self, account: int, paid: list[int], amount: int) -> None:
        for invoice in paid:
            open_amount = self.invoices[invoice][1]
            applied = min(amount, open_amount)
            amount -= applied
            if applied < open_amount:  # short-paid: chased again in two weeks
                self.invoices[invoice] = (account, open_amount - applied)
                if invoice == paid[0]:
                    heapq.heappush(self.to_pay, (self.now + 14 * DAY, invoice))
                continue
            del self.invoices[invoice]
            self.open_by_account[account].remove(invoice)
        if not self.open_by_account[account]:
            del self.open_by_account[account]

    def _cancel(self) -> Event | None:
        if not self.to_cancel:
            return None
        _, order, account = heapq.heappop(self.to_cancel)
        return self._emit("order_cancelled", order_id=f"o-{order:09d}", **self._party(account))

    def _decision(self) -> Event | None:
        """Release or reject a recent order: the generator cannot know which ones were held."""
        if not self.recent:
            return None
        order, company, customer = self.recent[self.rng.randrange(len(self.recent))]
        return self._emit(
            "hold_released" if self.rng.random() < 0.75 else "hold_rejected",
            order_id=f"o-{order:09d}",
            company_id=company,
            customer_id=customer,
            decided_by=self.rng.choice(_ANALYSTS),
            note=_maybe(self.rng, 0.4, _NOTES),
        )

    def _rate_update(self) -> Event:
        pair = self.rng.choice(sorted(self.rates))
        self.rates[pair] *= 1 + self.rng.gauss(0, 0.004)
        since = _instant(self.cfg, self.now // DAY * DAY)
        currencies = {"from_currency": pair[0], "to_currency": pair[1]}
        return self._emit(
            "exchange_rate_set", **currencies, rate=_rate_str(self.rates[pair]), valid_from=since
        )

    def _profile_change(self) -> Event:
        """A new limit, a move to another group (or out of one), a new manager or status."""
        rng, account = self.rng, self.rng.randrange(self.cfg.accounts)
        change, u = self.changes.setdefault(account, {}), rng.random()
        if u < 0.4:
            usd = 12_000 * _scale(self.cfg.seed, account) * rng.lognormvariate(0.2, 0.5)
            change["credit_limit"] = _nice(usd, self._co(account))
        elif u < 0.7:
            group = rng.randrange(self.cfg.groups) if self.cfg.groups and u < 0.65 else None
            change["credit_group_id"] = None if group is None else f"G{group:05d}"
        elif u < 0.9:
            change["credit_manager"] = rng.choice(_MANAGERS)
        else:
            change["sales_order_status"] = rng.choice(("yes", "no", "cash_only"))
            change["sales_order_status_date"] = None
        return self._emit("customer_upserted", **_customer(self.cfg, account, change))


def transaction_events(config: LoadConfig) -> Iterator[Event]:
    """The transactions (and occasional reference updates) that follow `reference_events`."""
    return _Timeline(config).run()


def generate(config: LoadConfig) -> Iterator[Event]:
    """Reference data, then transactions: the whole input stream, in order."""
    return itertools.chain(reference_events(config), transaction_events(config))


def _parse(argv: list[str] | None) -> tuple[LoadConfig, str]:
    parser = argparse.ArgumentParser(description="Write generated input events as JSON lines.")
    defaults = LoadConfig()
    for name in ("seed", "accounts", "groups", "companies", "events", "days"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    parser.add_argument("--start", type=date.fromisoformat, default=defaults.start)
    parser.add_argument("--part", choices=("all", "reference", "transactions"), default="all")
    args = vars(parser.parse_args(argv))
    part = args.pop("part")
    return LoadConfig(**args), part


def main(argv: list[str] | None = None) -> None:
    config, part = _parse(argv)
    source = {"all": generate, "reference": reference_events, "transactions": transaction_events}
    write = sys.stdout.write
    for event in source[part](config):
        write(json.dumps(event, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()

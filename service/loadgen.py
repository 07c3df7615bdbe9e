"""Deterministic, realistic input events (JSON form of CONTRACT.md) for bench, demo and examples.

`generate` = `reference_events` then `transaction_events`. Same config, same events; no clock."""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import random
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import NormalDist

Event = dict[str, object]

DAY = 86_400
_OPEN = 10 * 3600  # business hours, 08:00-18:00 UTC on weekdays
_MASK = 2**64 - 1
_CODES = ("USD", "EUR", "GBP", "JPY", "CHF", "SEK", "CAD", "AUD")
_PER_USD = (1.0, 0.92, 0.79, 151.0, 0.88, 10.6, 1.37, 1.52)
_MANAGERS = ("JDS", "MBK", "ALT", "KRM", "SMB", "TCH", "RJR", "LWL", "PHN", "DKW", "ENF", "GBE")
_ANALYSTS = ("AKS", "MTR", "CLV", "HDP", "NOR", "BWK", "YSU", "FGA")
_OPERATORS = ("WEB", "EDI", "CLK", "RPN", "JDS", "MTR")  # some operators are credit people too
_NAMES = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Wingtip", "Coho")
_TRADES = ("Traders", "Foods", "Toys", "Outfitters", "Logistics", "Supplies", "Motors", "Pharma")
_MODES = ("group", "group_and_customer", "hierarchy", "customer")
_STATUSES = ("yes", "no", "cash_only", "cod_only", "hold_until", "open_until")
_NOTES = ("customer confirmed payment", "approved per CFO", "deposit received", "risk too high")


@dataclass(frozen=True)
class LoadConfig:
    """What to generate; `events` counts transactions (reference data comes on top)."""

    seed: int = 1
    accounts: int = 100_000
    groups: int = 2_000
    companies: int = 4  # currencies in turn: USD, EUR, GBP, JPY, CHF, SEK, CAD, AUD
    events: int = 1_000_000
    start: date = date(2026, 3, 2)
    days: int = 60  # calendar days the transactions span (weekdays 08:00-18:00 UTC)
    # relative weights: orders, invoices, payments, cancellations, hold releases/rejects
    mix: tuple[float, float, float, float, float] = (40.0, 30.0, 22.0, 5.0, 3.0)
    profile_change_rate: float = 0.001  # mid-stream customer_upserted per transaction


@dataclass(frozen=True)
class _Company:
    company_id: str
    currency: str
    per_usd: float
    minor: int  # digits after the decimal point

    def fmt(self, units: int) -> str:
        return str(Decimal(units).scaleb(-self.minor))

    def units(self, usd: float) -> int:
        return max(1, round(usd * self.per_usd * 10.0**self.minor))

    def nice(self, usd: float) -> str:
        """A round amount (two significant digits) worth about `usd`, as a limit would be."""
        major = max(usd * self.per_usd, 1.0)
        step = int(10.0 ** max(math.floor(math.log10(major)) - 1, 0))
        return self.fmt(round(major / step) * step * int(10.0**self.minor))


def _unit(seed: int, key: int, salt: int) -> float:
    """A uniform number in [0, 1) that depends only on its arguments (splitmix64)."""
    z = (seed * 0x9E3779B97F4A7C15 + key * 0xBF58476D1CE4E5B9 + salt * 0xD6E8FEB86659FD93) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((z ^ (z >> 31)) >> 11) / 2**53


def _id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:09d}"


def _maybe(r: random.Random, p: float, choices: tuple[str, ...]) -> str | None:
    return r.choice(choices) if r.random() < p else None


class _World:
    """Who exists: companies, groups and accounts, each derived from the seed on demand."""

    def __init__(self, cfg: LoadConfig) -> None:
        self.cfg, self.normal, self.dates = cfg, NormalDist(), dict[int, str]()
        self.companies = [self._company_of(i) for i in range(cfg.companies)]
        firsts = {c.currency: c for c in self.companies}  # one rate per pair: the service inverts
        self.pairs = list(itertools.combinations(firsts.values(), 2))

    def _company_of(self, i: int) -> _Company:
        n, k = divmod(i, len(_CODES))
        code = _CODES[k]
        return _Company(f"{code[:2]}{n + 1:02d}", code, _PER_USD[k], 0 if code == "JPY" else 2)

    def name(self, r: random.Random) -> str:
        return f"{r.choice(_NAMES)} {r.choice(_TRADES)}"

    def date(self, day: int) -> str:
        if day not in self.dates:
            self.dates[day] = (self.cfg.start + timedelta(days=day)).isoformat()
        return self.dates[day]

    def instant(self, second: int) -> str:
        day, sec = divmod(second, DAY)
        return f"{self.date(day)}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"

    def rng(self, key: int, salt: int) -> random.Random:
        return random.Random(_unit(self.cfg.seed, key, salt))

    def co(self, account: int) -> _Company:
        return self.companies[account % self.cfg.companies]

    def customer_id(self, account: int) -> str:
        """Every 25th account reuses the previous account's customer id (in the next company)."""
        twin = self.cfg.companies > 1 and account % 25 == 1
        return f"C{account - 1 if twin else account:07d}"

    def group_of(self, account: int) -> int | None:
        if self.cfg.groups == 0 or _unit(self.cfg.seed, account, 2) >= 0.7:
            return None
        twin = self.customer_id(account) == self.customer_id(account - 1)
        if twin and _unit(self.cfg.seed, account, 3) < 0.5:
            return self.group_of(account - 1)  # half the twins share a group
        return int(_unit(self.cfg.seed, account, 4) * self.cfg.groups)

    def scale(self, account: int) -> float:
        """How big a customer is: a log-normal factor on its orders and its limit."""
        return math.exp(0.8 * self.normal.inv_cdf(max(_unit(self.cfg.seed, account, 1), 1e-9)))

    def settings(self, r: random.Random, co: _Company, usd: float, status: Event) -> Event:
        """What groups and customers share: limit, expiry, manager, hold period, overdue, AP."""
        overdue, ap = r.random() < 0.2, r.random() < 0.3
        phone = f"{r.randrange(200, 999)}-555-{r.randrange(10_000):04d} {r.randrange(10_000):04d}"
        return {
            "credit_limit": co.nice(usd * r.lognormvariate(0, 0.5)) if r.random() < 0.9 else None,
            "credit_limit_expires": self.date(365 if r.random() < 0.97 else r.randrange(3, 60)),
            "credit_manager": _maybe(r, 0.85, _MANAGERS),
            **status,
            "hold_period": r.choice((3, 4, 5)) if r.random() < 0.12 else None,
            "allowed_overdue_amount": co.nice(usd * r.uniform(0.05, 0.3)) if overdue else None,
            "allowed_overdue_days": r.choice((0, 7, 14, 30)) if overdue else None,
            "ap_manager": f"{r.choice(_NAMES)} AP desk" if ap else None,
            "ap_phone": phone if ap else None,  # its last four characters are the extension
        }

    def status(self, r: random.Random, p: float, weights: tuple[int, ...]) -> Event:
        status = r.choices(_STATUSES, weights)[0] if r.random() < p else None
        day = {"hold_until": r.randrange(1, 15), "open_until": r.randrange(10, 60)}.get(str(status))
        return {"sales_order_status": status, "sales_order_status_date": day and self.date(day)}

    def company(self, index: int, co: _Company) -> Event:
        return {
            "company_id": co.company_id,
            "currency": co.currency,
            "default_credit_limit": co.nice(15_000) if index % 2 == 0 else None,
            "tolerance_pct": self.rng(index, 5).choice(("0", "2.5", "5", "10")),
            "max_order_amount": co.nice(60_000),
            "check_group_limits": index != 2,
        }

    def warehouses(self, co: _Company) -> Iterator[Event]:
        """Three per company: W1 uses the company's settings, W2 and W3 override one each."""
        extras: list[Event] = [{}, {"tolerance_pct": "7.5"}, {"max_order_amount": co.nice(25_000)}]
        for k, extra in enumerate(extras, 1):
            yield {"warehouse_id": f"{co.company_id}-W{k}", "company_id": co.company_id, **extra}

    def group(self, g: int) -> Event:
        r = self.rng(g, 6)
        co, mode = r.choice(self.companies), r.choices(_MODES, (25, 35, 15, 25))[0]
        usd = 25_000 if mode == "hierarchy" else 4_200 * self.cfg.accounts / self.cfg.groups
        head = {"group_id": f"G{g:05d}", "description": f"{self.name(r)} group", "limit_mode": mode}
        status = self.status(r, 0.1, (70, 2, 6, 6, 8, 8))
        return head | {"currency": co.currency} | self.settings(r, co, usd, status)

    def customer(self, account: int, change: Event) -> Event:
        """The whole customer record of an account, with the mid-stream `change` applied."""
        r, co, group = self.rng(account, 7), self.co(account), self.group_of(account)
        usd, start, temporary = 10_000 * self.scale(account), r.randrange(0, 50), r.random() < 0.05
        status = self.status(r, 0.06, (50, 4, 12, 12, 10, 12))
        cod = r.random() < (0.7 if status["sales_order_status"] == "cod_only" else 0.05)
        return {
            "company_id": co.company_id,
            "customer_id": self.customer_id(account),
            "name": self.name(r),
            "currency": co.currency,
            "credit_group_id": None if group is None else f"G{group:05d}",
            **self.settings(r, co, usd, status),
            "temporary_credit_limit": co.nice(usd * 2) if temporary else None,
            "temporary_limit_from": self.date(start) if temporary else None,
            "temporary_limit_to": self.date(start + r.randrange(7, 30)) if temporary else None,
            "insurance_amount": co.nice(usd / 4) if r.random() < 0.1 else None,
            "guarantee_amount": co.nice(usd / 5) if r.random() < 0.05 else None,
            "credit_analyst": _maybe(r, 0.8, _ANALYSTS),
            "cod_terms": True if cod else None,
            "credit_established": self.date(-r.randrange(60, 7000)),
            "last_review": self.date(-r.randrange(30, 365)) if r.random() < 0.6 else None,
            "next_review": self.date(r.randrange(-10, 365)) if r.random() < 0.6 else None,
        } | change

    def rate(self, a: _Company, b: _Company, drift: float, since: int) -> Event:
        pair: Event = {"from_currency": a.currency, "to_currency": b.currency}
        rate = f"{b.per_usd / a.per_usd * drift:.8f}"
        return pair | {"rate": rate, "valid_from": self.instant(since)}

    def records(self) -> Iterator[tuple[str, Event]]:
        yield from (("exchange_rate_set", self.rate(a, b, 1.0, 0)) for a, b in self.pairs)
        for index, co in enumerate(self.companies):
            yield "company_upserted", self.company(index, co)
            yield from (("warehouse_upserted", w) for w in self.warehouses(co))
        yield from (("group_upserted", self.group(g)) for g in range(self.cfg.groups))
        yield from (("customer_upserted", self.customer(a, {})) for a in range(self.cfg.accounts))

    def record_count(self) -> int:
        return len(self.pairs) + 4 * self.cfg.companies + self.cfg.groups + self.cfg.accounts


def _event(number: int, event_type: str, stamp: str, fields: Event) -> Event:
    """An event in its JSON form: absent (None) fields are left out."""
    head: Event = {"event_id": f"e-{number:09d}", "event_type": event_type, "occurred_at": stamp}
    return head | {key: value for key, value in fields.items() if value is not None}


def reference_events(config: LoadConfig) -> Iterator[Event]:
    """Rates, companies, warehouses, groups and every customer, all at 06:00 on the start day."""
    world = _World(config)
    for number, (event_type, fields) in enumerate(world.records()):
        yield _event(number, event_type, world.instant(6 * 3600), fields)


class _Timeline:
    """The transaction stream, with the little bookkeeping it needs to stay plausible."""

    def __init__(self, cfg: LoadConfig) -> None:
        self.cfg, self.rng, self.w = cfg, random.Random(cfg.seed), _World(cfg)
        self.days = [d for d in range(cfg.days) if (cfg.start + timedelta(d)).weekday() < 5] or [0]
        self.numbers, self.now, self.stamp = itertools.count(self.w.record_count()), 0, ""
        self.serials = {prefix: itertools.count(1) for prefix in "oip"}
        self.to_invoice: list[tuple[int, int, int, int]] = []  # (ready, order, account, amount)
        self.to_cancel: list[tuple[int, int, int]] = []  # (ready, order, account)
        self.to_pay: list[tuple[int, int]] = []  # (ready, invoice): paid early if none is due
        self.invoices: dict[int, tuple[int, int]] = {}  # open invoice -> (account, open amount)
        self.recent: deque[tuple[int, str, str]] = deque(maxlen=500)  # (order, company, customer)
        self.changes: dict[int, Event] = {}  # account -> its mid-stream changes so far

    def run(self) -> Iterator[Event]:
        kinds = [self._order, self._invoice, self._payment, self._cancel, self._decision]
        weights = list(itertools.accumulate(self.cfg.mix))
        for i in range(self.cfg.events):
            if self._tick(i) and self.rng.random() < 0.4:
                yield self._rate_update()
            if self.rng.random() < self.cfg.profile_change_rate:
                yield self._profile_change()
            yield self.rng.choices(kinds, cum_weights=weights)[0]() or self._order()

    def _tick(self, i: int) -> bool:
        """Set the business time of transaction i (spread evenly); true if a new day began."""
        day, second = divmod(i * len(self.days) * _OPEN // max(self.cfg.events, 1), _OPEN)
        now, before = self.days[day] * DAY + 8 * 3600 + second, self.now
        self.now, self.stamp = now, self.w.instant(now)
        return now // DAY != before // DAY

    def _emit(self, event_type: str, **fields: object) -> Event:
        return _event(next(self.numbers), event_type, self.stamp, fields)

    def _party(self, account: int, amount: int | None = None) -> Event:
        co, customer = self.w.co(account), self.w.customer_id(account)
        money = {} if amount is None else {"amount": co.fmt(amount), "currency": co.currency}
        return {"company_id": co.company_id, "customer_id": customer, **money}

    def _order(self) -> Event:
        rng, order = self.rng, next(self.serials["o"])
        account = int(self.cfg.accounts * rng.random() ** 1.5)  # some customers order more
        co = self.w.co(account)
        amount = co.units(self.w.scale(account) * rng.lognormvariate(7.2, 0.8))
        party = self._party(account, amount)
        if rng.random() < 0.002:  # a customer nobody has set up yet
            party["customer_id"] = f"N{order:07d}"
        else:
            self._plan(order, account, amount)
        self.recent.append((order, co.company_id, str(party["customer_id"])))
        where = f"{co.company_id}-W{rng.randrange(1, 4)}" if rng.random() < 0.85 else None
        pay = rng.choices(("on_account", "cash", "cod"), (90, 6, 4))[0]
        fields = {"order_id": _id("o", order), **party, "warehouse_id": where, "payment_type": pay}
        return self._emit("order_created", **fields, entered_by=_maybe(rng, 0.7, _OPERATORS))

    def _plan(self, order: int, account: int, amount: int) -> None:
        """Decide now whether the order will be invoiced, cancelled or left open."""
        u, later = self.rng.random(), self.now + self.rng.randrange(DAY // 2, 7 * DAY)
        if u < 0.74:
            heapq.heappush(self.to_invoice, (later, order, account, amount))
        elif u < 0.865:
            heapq.heappush(self.to_cancel, (later // 2 + self.now // 2, order, account))

    def _invoice(self) -> Event:
        rng, today = self.rng, self.now // DAY
        if self.to_invoice and self.to_invoice[0][0] <= self.now:
            _, order, account, amount = heapq.heappop(self.to_invoice)
            if rng.random() < 0.1:  # partial delivery: the rest stays open on the order
                amount = max(1, amount * rng.randrange(40, 90) // 100)
            return self._post_invoice(account, amount, today, order)
        account = rng.randrange(self.cfg.accounts)  # no order: a service fee or an old invoice
        amount = self.w.co(account).units(self.w.scale(account) * rng.lognormvariate(6.5, 0.8))
        back = rng.randrange(1, 150) if rng.random() < 0.6 else 0
        return self._post_invoice(account, amount, today - back, None)

    def _post_invoice(self, account: int, amount: int, day: int, order: int | None) -> Event:
        invoice = next(self.serials["i"])
        self.invoices[invoice] = (account, amount)
        span = self.rng.choices(((-25, -3), (-3, 5), (5, 60), None), (22, 48, 22, 8))[0]
        if span:  # most pay around the due date, some early, some late, a few never
            due = (day + 30 + self.rng.randrange(*span)) * DAY + 10 * 3600
            heapq.heappush(self.to_pay, (max(self.now + 3600, due), invoice))
        ids = {"invoice_id": _id("i", invoice), "order_id": order and _id("o", order)}
        dates = {"invoice_date": self.w.date(day), "due_date": self.w.date(day + 30)}
        return self._emit("invoice_posted", **ids, **self._party(account, amount), **dates)

    def _payment(self) -> Event | None:
        """Pay the invoice next in line, in full, short or over (leaving a credit)."""
        if not self.to_pay:
            return None
        rng, invoice = self.rng, heapq.heappop(self.to_pay)[1]
        account, due = self.invoices.pop(invoice)
        amount = max(1, due * rng.choices((100, rng.randrange(30, 90), 105), (86, 10, 4))[0] // 100)
        if amount < due:  # short-paid: chased again in two weeks
            self.invoices[invoice] = (account, due - amount)
            heapq.heappush(self.to_pay, (self.now + 14 * DAY, invoice))
        fields = {"payment_id": _id("p", next(self.serials["p"])), **self._party(account, amount)}
        named = [_id("i", invoice)] if rng.random() < 0.75 else None
        return self._emit("payment_posted", **fields, invoice_ids=named)

    def _cancel(self) -> Event | None:
        if not self.to_cancel:
            return None
        _, order, account = heapq.heappop(self.to_cancel)
        return self._emit("order_cancelled", order_id=_id("o", order), **self._party(account))

    def _decision(self) -> Event | None:
        """Release or reject a recent order: the generator cannot know which ones were held."""
        if not self.recent:
            return None
        order, company, customer = self.recent[self.rng.randrange(len(self.recent))]
        event_type = "hold_released" if self.rng.random() < 0.75 else "hold_rejected"
        ids = {"order_id": _id("o", order), "company_id": company, "customer_id": customer}
        by, note = self.rng.choice(_ANALYSTS), _maybe(self.rng, 0.4, _NOTES)
        return self._emit(event_type, **ids, decided_by=by, note=note)

    def _rate_update(self) -> Event:
        a, b = self.rng.choice(self.w.pairs)
        rate = self.w.rate(a, b, self.rng.uniform(0.98, 1.02), self.now // DAY * DAY)
        return self._emit("exchange_rate_set", **rate)

    def _profile_change(self) -> Event:
        """A new limit, a move to another group (or out of one), or a new credit manager."""
        rng, account = self.rng, self.rng.randrange(self.cfg.accounts)
        change, u, co = self.changes.setdefault(account, {}), rng.random(), self.w.co(account)
        if u < 0.4:
            change["credit_limit"] = co.nice(self.w.scale(account) * rng.uniform(8_000, 30_000))
        elif u < 0.75 and self.cfg.groups:
            change["credit_group_id"] = (
                f"G{rng.randrange(self.cfg.groups):05d}" if u < 0.7 else None
            )
        else:
            change["credit_manager"] = rng.choice(_MANAGERS)
        return self._emit("customer_upserted", **self.w.customer(account, change))


def transaction_events(config: LoadConfig) -> Iterator[Event]:
    """The transactions (and occasional reference updates) that follow `reference_events`."""
    return _Timeline(config).run()


def generate(config: LoadConfig) -> Iterator[Event]:
    """Reference data, then transactions: the whole input stream, in order."""
    return itertools.chain(reference_events(config), transaction_events(config))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write generated input events as JSON lines.")
    for name in ("seed", "accounts", "groups", "companies", "events", "days"):
        parser.add_argument(f"--{name}", type=int, default=getattr(LoadConfig, name))
    parser.add_argument("--start", type=date.fromisoformat, default=LoadConfig.start)
    parser.add_argument("--part", choices=("all", "reference", "transactions"), default="all")
    args = vars(parser.parse_args(argv))
    source = {"all": generate, "reference": reference_events, "transactions": transaction_events}
    events = source[args.pop("part")](LoadConfig(**args))
    sys.stdout.writelines(json.dumps(event, separators=(",", ":")) + "\n" for event in events)


if __name__ == "__main__":
    main()

"""Random input logs that reach every rule, for comparing the native engine with the Python one.

``event_logs()`` draws reference data (companies in several currencies, warehouses, groups of
every limit mode, customers with temporary limits, securities, statuses, hold periods, overdue
controls and review dates, dated exchange rates, some pairs missing) and then a mix of orders,
invoices, payments, cancellations, releases, rejections, membership moves, stale and
redelivered records, amounts with too many decimals, and instants written with offsets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

Event = dict[str, Any]
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "JPY", "KWD")  # mostly EUR: rates are often known
COMPANIES = ("C1", "C2", "C3")
CUSTOMERS = ("A", "B", "D", "E")
GROUPS = ("G1", "G2", "G3")
PEOPLE = ("JDS", "MBK", "ALT", "WEB", None)
MODES = ("group", "group_and_customer", "hierarchy", "customer")
STATUSES = (*(None,) * 12, "yes", "no", "cash_only", "cod_only", "hold_until", "open_until")
ZONES = (UTC, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)))


def _amount(draw: st.DrawFn, currency: str, low: int = 1, high: int = 9_000) -> str:
    """An amount in ``currency``; now and then with one decimal more than it has."""
    whole = draw(st.integers(min_value=low, max_value=high))
    digits = {"JPY": 0, "KWD": 3}.get(currency, 2)
    extra = draw(st.integers(min_value=0, max_value=40)) == 0
    places = digits + 1 if extra else draw(st.integers(min_value=0, max_value=digits))
    if places == 0:
        return str(whole)
    fraction = draw(st.integers(min_value=0, max_value=10**places - 1))
    return f"{whole}.{fraction:0{places}d}"


def _day(draw: st.DrawFn, low: int = -60, high: int = 60) -> str:
    return (START.date() + timedelta(days=draw(st.integers(low, high)))).isoformat()


def _maybe(draw: st.DrawFn, value: Any) -> Any:
    return value if draw(st.booleans()) else None


class _Log:
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.events: list[Event] = []
        self.clock = START
        self.orders: list[tuple[str, str, str]] = []
        self.invoices: list[tuple[str, str, str]] = []

    def emit(self, event_type: str, fields: Event, back: bool = False) -> None:
        draw = self.draw
        step = timedelta(minutes=draw(st.sampled_from((0, 7, 60, 600, 1440, 4320))))
        self.clock += step
        at = self.clock - timedelta(days=3) if back else self.clock
        zone = draw(st.sampled_from(ZONES))
        event = {
            "event_id": f"e-{len(self.events)}",
            "event_type": event_type,
            "occurred_at": at.astimezone(zone).isoformat().replace("+00:00", "Z"),
        }
        event.update(fields)
        self.events.append(event)

    def company(self, company_id: str) -> None:
        draw = self.draw
        currency = draw(st.sampled_from(CURRENCIES))
        self.emit("company_upserted", {
            "company_id": company_id, "currency": currency,
            "default_credit_limit": _maybe(draw, _amount(draw, currency, 0, 9_000)),
            "tolerance_pct": draw(st.sampled_from((None, "0", "2.5", "10", "0.333"))),
            "max_order_amount": _maybe(draw, _amount(draw, currency, 500, 20_000)),
            "check_group_limits": draw(st.booleans()),
            "include_open_orders": draw(st.sampled_from((True, True, False))),
            "aging_period_days": draw(st.sampled_from(([30, 60, 90, 120], [10, 20, 45, 90]))),
        })  # fmt: skip

    def warehouse(self, company_id: str, number: int) -> None:
        draw = self.draw
        self.emit("warehouse_upserted", {
            "warehouse_id": f"{company_id}-W{number}", "company_id": company_id,
            "tolerance_pct": draw(st.sampled_from((None, "5", "12.5"))),
            "max_order_amount": _maybe(draw, _amount(draw, "EUR", 100, 8_000)),
        })  # fmt: skip

    def status(self) -> Event:
        draw = self.draw
        status = draw(st.sampled_from(STATUSES))
        dated = status in ("hold_until", "open_until") or draw(st.booleans())
        return {
            "sales_order_status": status,
            "sales_order_status_date": _day(draw, -5, 90) if dated else None,
        }

    def group(self, group_id: str, back: bool = False) -> None:
        draw = self.draw
        currency = draw(st.sampled_from(CURRENCIES))
        self.emit("group_upserted", {
            "group_id": group_id, "currency": currency,
            "credit_limit": _maybe(draw, _amount(draw, currency, 0, 20_000)),
            "credit_limit_expires": _day(draw, -10, 300),
            "limit_mode": draw(st.sampled_from(MODES)),
            "credit_manager": draw(st.sampled_from(PEOPLE)),
            "hold_period": draw(st.sampled_from((None, 0, 2, 3))),
            "allowed_overdue_amount": _maybe(draw, _amount(draw, currency, 0, 3_000)),
            "allowed_overdue_days": draw(st.sampled_from((None, 0, 10))),
            **self.status(),
        }, back)  # fmt: skip

    def customer(self, company_id: str, customer_id: str, back: bool = False) -> None:
        draw = self.draw
        currency = draw(st.sampled_from(CURRENCIES))
        self.emit("customer_upserted", {
            "company_id": company_id, "customer_id": customer_id, "currency": currency,
            "credit_group_id": draw(st.sampled_from((*GROUPS, "G-UNKNOWN", None, None))),
            "credit_limit": _maybe(draw, _amount(draw, currency, 0, 9_000)),
            "credit_limit_expires": _maybe(draw, _day(draw, -10, 200)),
            "temporary_credit_limit": _maybe(draw, _amount(draw, currency, 0, 12_000)),
            "temporary_limit_from": _maybe(draw, _day(draw, -10, 10)),
            "temporary_limit_to": _maybe(draw, _day(draw, -5, 20)),
            "insurance_amount": _maybe(draw, _amount(draw, currency, 0, 2_000)),
            "guarantee_amount": _maybe(draw, _amount(draw, currency, 0, 2_000)),
            "credit_manager": draw(st.sampled_from(PEOPLE)),
            "credit_analyst": draw(st.sampled_from(PEOPLE)),
            "cod_terms": draw(st.booleans()),
            "hold_period": draw(st.sampled_from((None, 0, 1, 2, 4, 5))),
            "allowed_overdue_amount": _maybe(draw, _amount(draw, currency, 0, 2_000)),
            "allowed_overdue_days": draw(st.sampled_from((None, 0, 5, 30))),
            "next_review": _maybe(draw, _day(draw, -5, 30)),
            **self.status(),
        }, back)  # fmt: skip

    def standing_rates(self) -> None:
        """Rates from EUR to each other currency, valid long before the first order (most)."""
        for to_currency, rate in (("USD", "1.08"), ("JPY", "160.25"), ("KWD", "0.3321")):
            if self.draw(st.integers(0, 4)):
                self.emit("exchange_rate_set", {
                    "from_currency": "EUR", "to_currency": to_currency, "rate": rate,
                    "valid_from": _day(self.draw, -90, -60)})  # fmt: skip

    def rate(self) -> None:
        draw = self.draw
        pair = draw(st.permutations(("EUR", "USD", "JPY", "KWD")))[:2]
        rate = draw(st.sampled_from(("1.08", "0.9259", "151.25", "0.00662", "3.2468", "1")))
        valid = _day(draw, -20, 20)
        if draw(st.booleans()):
            valid = f"{valid}T12:00:00Z"
        self.emit("exchange_rate_set", {"from_currency": pair[0], "to_currency": pair[1],
                                        "rate": rate, "valid_from": valid})  # fmt: skip

    def account(self) -> tuple[str, str]:
        draw = self.draw
        return draw(st.sampled_from(COMPANIES)), draw(st.sampled_from(CUSTOMERS))

    def order(self) -> None:
        draw = self.draw
        company_id, customer_id = self.account()
        currency = draw(st.sampled_from(CURRENCIES))
        order_id = f"o-{len(self.events)}"
        if self.orders and draw(st.integers(0, 9)) == 0:
            order_id = draw(st.sampled_from(self.orders))[2]  # a repeated order id
        self.orders.append((company_id, customer_id, order_id))
        self.emit("order_created", {
            "company_id": company_id, "customer_id": customer_id, "order_id": order_id,
            "warehouse_id": draw(st.sampled_from((None, "C1-W1", "C2-W1", "C1-W2", ""))),
            "amount": _amount(draw, currency, 1, 9_000), "currency": currency,
            "payment_type": draw(st.sampled_from(("on_account", "on_account", "cash", "cod"))),
            "entered_by": draw(st.sampled_from(PEOPLE)),
        })  # fmt: skip

    def invoice(self) -> None:
        draw = self.draw
        if self.orders and draw(st.booleans()):
            company_id, customer_id, order_id = draw(st.sampled_from(self.orders))
        else:
            (company_id, customer_id), order_id = self.account(), None
        currency = draw(st.sampled_from(CURRENCIES))
        invoice_id = f"i-{len(self.events)}"
        self.invoices.append((company_id, customer_id, invoice_id))
        self.emit("invoice_posted", {
            "company_id": company_id, "customer_id": customer_id, "invoice_id": invoice_id,
            "order_id": order_id, "amount": _amount(draw, currency, 1, 6_000),
            "currency": currency, "invoice_date": _day(draw, -90, 0),
            "due_date": _day(draw, -150, 30),
        })  # fmt: skip

    def payment(self) -> None:
        draw = self.draw
        named: list[str] | None = None
        if self.invoices and draw(st.booleans()):
            company_id, customer_id, invoice_id = draw(st.sampled_from(self.invoices))
            named = [invoice_id, *draw(st.lists(st.sampled_from(("i-x", invoice_id)), max_size=2))]
        else:
            company_id, customer_id = self.account()
        currency = draw(st.sampled_from(CURRENCIES))
        self.emit("payment_posted", {
            "company_id": company_id, "customer_id": customer_id,
            "payment_id": f"p-{len(self.events)}", "amount": _amount(draw, currency, 1, 8_000),
            "currency": currency, "invoice_ids": named,
        })  # fmt: skip

    def order_step(self, event_type: str) -> None:
        draw = self.draw
        if not self.orders:
            return self.order()
        company_id, customer_id, order_id = draw(st.sampled_from(self.orders))
        fields: Event = {"company_id": company_id, "customer_id": customer_id,
                         "order_id": order_id}  # fmt: skip
        if event_type != "order_cancelled":
            fields.update(decided_by=draw(st.sampled_from(("AKS", "MTR"))), note=None)
        self.emit(event_type, fields)
        return None

    def redeliver(self) -> None:
        draw = self.draw
        self.events.append(dict(draw(st.sampled_from(self.events))))


@st.composite
def event_logs(draw: st.DrawFn) -> list[Event]:
    """Reference data, then a random mix of everything that can happen to it."""
    log = _Log(draw)
    for company_id in COMPANIES[: draw(st.integers(2, 3))]:
        log.company(company_id)
        for number in range(draw(st.integers(0, 2))):
            log.warehouse(company_id, number + 1)
    log.standing_rates()
    for _ in range(draw(st.integers(0, 3))):
        log.rate()
    for group_id in GROUPS[: draw(st.integers(0, 3))]:
        log.group(group_id)
    for company_id in COMPANIES:
        for customer_id in CUSTOMERS:
            if draw(st.integers(0, 4)):
                log.customer(company_id, customer_id)
    steps = draw(st.lists(st.sampled_from((
        "order", "order", "order", "order", "invoice", "invoice", "payment", "payment",
        "order_cancelled", "hold_released", "hold_released", "hold_rejected", "customer",
        "group", "stale", "rate", "redeliver",
    )), min_size=20, max_size=120))  # fmt: skip
    for step in steps:
        if step in ("order_cancelled", "hold_released", "hold_rejected"):
            log.order_step(step)
        elif step == "customer":
            log.customer(*log.account())
        elif step == "group":
            log.group(draw(st.sampled_from(GROUPS)))
        elif step == "stale":
            if draw(st.booleans()):
                log.customer(*log.account(), back=True)
            else:
                log.group(draw(st.sampled_from(GROUPS)), back=True)
        else:
            getattr(log, step)()
    return log.events

"""Writes the expected results of the policy's unit tests by running the Python reference.

    .venv/bin/python native/policy/reference/make_cases.py

Each case is a set of facts (overrides of the defaults of ``Setup`` in
``policy/src/tests/mod.rs``); the same facts are built here with the reference's own classes
(``CompanySettings``, ``CustomerProfile``, ``GroupSettings``, ``AccountBook``, ``GroupTotals``,
``OrderCreated``) and decided by ``service.domain.policy.decide_order``. Rates are a plain table
of direct rates converted as ``ExchangeRates.convert`` does (``round(Decimal(minor) * rate *
10 ** shift)``), exactly as the Rust ``FakeRates``. The results are written as Rust tests to
``policy/src/tests/policy_cases.rs`` and ``notification_cases.rs``.
"""

from __future__ import annotations

import pathlib
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from service.domain.events import DEFAULT_AGING_PERIOD_DAYS, OrderCreated
from service.domain.group_totals import GroupTotals
from service.domain.ledger import AccountBook
from service.domain.money import AmountPrecisionError, minor_digits, to_minor
from service.domain.notifications import (
    cod_conflict,
    hold_notifications,
    managers,
    review_due,
    same_account_elsewhere,
)
from service.domain.outputs import HoldReason
from service.domain.packing import OpenInvoice
from service.domain.policy import OrderFacts, decide_order
from service.domain.reference import (
    CompanySettings,
    CustomerControls,
    CustomerProfile,
    CustomerTerms,
    GroupSettings,
    WarehouseSettings,
)

OUT = pathlib.Path(__file__).resolve().parent.parent / "src" / "tests"
INSTANT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))
DAY = date(2026, 3, 2)

# -- field kinds: how a spec value becomes a Python value and a Rust expression ---------------
KINDS = {
    "company": {
        "currency": "ccy", "default_credit_limit": "opt_minor", "tolerance_pct": "opt_dec",
        "max_order_amount": "opt_minor", "check_group_limits": "bool",
        "aging_period_days": "arr4", "include_open_orders": "bool",
    },
    "warehouse": {"tolerance_pct": "opt_dec", "max_order_amount": "opt_dec"},
    "customer": {
        "currency": "ccy", "group_id": "opt_str", "credit_limit": "opt_minor",
        "limit_expires": "opt_day", "secured": "minor", "next_review": "opt_day",
        "credit_manager": "opt_str", "credit_analyst": "opt_str", "cod_terms": "bool",
        "temporary_limit": "opt_minor", "temporary_from": "opt_day", "temporary_to": "opt_day",
        "sales_order_status": "opt_status", "status_date": "opt_day", "hold_period": "opt_int",
        "allowed_overdue": "opt_minor", "allowed_overdue_days": "int",
    },
    "group": {
        "group_id": "str", "currency": "ccy", "credit_limit": "opt_minor", "expires": "day",
        "limit_mode": "mode", "credit_manager": "opt_str", "sales_order_status": "opt_status",
        "status_date": "opt_day", "hold_period": "opt_int", "allowed_overdue": "opt_minor",
        "allowed_overdue_days": "int",
    },
    "order": {
        "currency": "ccy", "amount": "dec", "payment_type": "payment", "entered_by": "opt_str",
    },
}

DEFAULTS = {
    "company": dict(currency="EUR", default_credit_limit=None, tolerance_pct=None,
                    max_order_amount=None, check_group_limits=True,
                    aging_period_days=DEFAULT_AGING_PERIOD_DAYS, include_open_orders=True),
    "warehouse": dict(tolerance_pct=None, max_order_amount=None),
    "customer": dict(currency="EUR", group_id=None, credit_limit=None, limit_expires=None,
                     secured=0, next_review=None, credit_manager=None, credit_analyst=None,
                     cod_terms=False, temporary_limit=None, temporary_from=None,
                     temporary_to=None, sales_order_status=None, status_date=None,
                     hold_period=None, allowed_overdue=None, allowed_overdue_days=0),
    "group": dict(group_id="G1", currency="EUR", credit_limit=None, expires="2026-12-31",
                  limit_mode="group_and_customer", credit_manager=None,
                  sales_order_status=None, status_date=None, hold_period=None,
                  allowed_overdue=None, allowed_overdue_days=0),
    "order": dict(currency="EUR", amount="100.00", payment_type="on_account", entered_by=None),
}

PASCAL = {
    "yes": "Yes", "no": "No", "cash_only": "CashOnly", "cod_only": "CodOnly",
    "hold_until": "HoldUntil", "open_until": "OpenUntil", "group": "Group",
    "group_and_customer": "GroupAndCustomer", "hierarchy": "Hierarchy", "customer": "Customer",
    "on_account": "OnAccount", "cash": "Cash", "cod": "Cod",
}


def py_value(kind: str, value: object) -> object:
    if value is None:
        return None
    if kind in ("dec", "opt_dec"):
        return Decimal(str(value))
    if kind in ("day", "opt_day"):
        return date.fromisoformat(str(value))
    return value


def rust_day(text: str) -> str:
    d = date.fromisoformat(text)
    return f"day({d.year}, {d.month}, {d.day})"


def rust_value(kind: str, value: object) -> str:
    if kind.startswith("opt_"):
        return "None" if value is None else f"Some({rust_value(kind[4:], value)})"
    return {
        "ccy": lambda: f'ccy("{value}")',
        "minor": lambda: str(value),
        "int": lambda: str(value),
        "bool": lambda: "true" if value else "false",
        "dec": lambda: f'dec("{value}")',
        "day": lambda: rust_day(str(value)),
        "str": lambda: f"{rust_str(str(value))}.into()",
        "status": lambda: f"SalesOrderStatus::{PASCAL[str(value)]}",
        "mode": lambda: f"LimitMode::{PASCAL[str(value)]}",
        "payment": lambda: f"PaymentType::{PASCAL[str(value)]}",
        "arr4": lambda: "[" + ", ".join(str(v) for v in value) + "]",  # type: ignore[attr-defined]
    }[kind]()


def rust_str(text: str | None) -> str:
    if text is None:
        return "None"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rust_opt_str(text: str | None) -> str:
    return "None" if text is None else f"Some({rust_str(text)})"


# -- building the facts ---------------------------------------------------------------------
def fields(spec: dict, entity: str) -> dict | None:
    if entity in spec and spec[entity] is None:
        return None
    present = entity in spec or entity in ("company", "customer", "order")
    if not present:
        return None
    merged = dict(DEFAULTS[entity])
    merged.update(spec.get(entity, {}))
    return {key: py_value(KINDS[entity][key], value) for key, value in merged.items()}


def build_customer(c: dict) -> CustomerProfile:
    return CustomerProfile(
        ("C1", "A"), c["group_id"], c["credit_limit"], c["limit_expires"], c["secured"],
        c["next_review"], INSTANT,
        CustomerTerms(c["currency"], c["credit_manager"], c["credit_analyst"], c["cod_terms"]),
        CustomerControls(c["temporary_limit"], c["temporary_from"], c["temporary_to"],
                         c["sales_order_status"], c["status_date"], c["hold_period"],
                         c["allowed_overdue"], c["allowed_overdue_days"]),
    )  # fmt: skip


def build_group(g: dict) -> GroupSettings:
    return GroupSettings(
        g["group_id"], g["currency"], g["credit_limit"], g["expires"], g["limit_mode"],
        g["credit_manager"], g["sales_order_status"], g["status_date"], g["hold_period"],
        g["allowed_overdue"], g["allowed_overdue_days"], None, INSTANT,
    )  # fmt: skip


class FakeRates:
    def __init__(self, rates: list[tuple[str, str, str]]) -> None:
        self.rates = {(f, t): Decimal(r) for f, t, r in rates}
        self.asked: list[datetime] = []

    def convert(self, minor: int, f: str, t: str, instant: datetime) -> int | None:
        if f == t:
            return minor
        rate = self.rates.get((f, t))
        if rate is None:
            return None
        shift = minor_digits(t) - minor_digits(f)
        return round(Decimal(minor) * rate * Decimal(10) ** shift)


def build_facts(spec: dict) -> OrderFacts:
    o = fields(spec, "order")
    assert o is not None
    order = OrderCreated(
        event_type="order_created", event_id="e1", occurred_at=INSTANT, company_id="C1",
        customer_id="A", order_id="O1", amount=o["amount"], currency=o["currency"],
        payment_type=o["payment_type"], entered_by=o["entered_by"],
    )  # fmt: skip
    c = fields(spec, "company")
    company = None if c is None else CompanySettings(
        c["currency"], c["default_credit_limit"], c["tolerance_pct"], c["max_order_amount"],
        c["check_group_limits"], tuple(c["aging_period_days"]), c["include_open_orders"],
        INSTANT,
    )  # fmt: skip
    w = fields(spec, "warehouse")
    warehouse = None if w is None else WarehouseSettings(
        "C1", w["tolerance_pct"], w["max_order_amount"], INSTANT
    )
    cu = fields(spec, "customer")
    customer = None if cu is None else build_customer(cu)
    g = fields(spec, "group")
    group = None if g is None else build_group(g)
    b = spec.get("book", {})
    book = AccountBook(b.get("currency", "EUR"))
    book.receivable = b.get("receivable", 0)
    book.open_order_total = b.get("open", 0)
    invoices = b.get("invoices", [])
    if invoices:
        book.set_invoices({
            f"I{n}": OpenInvoice(amount, date.fromisoformat(due).toordinal(), 1)
            for n, (amount, due) in enumerate(invoices)
        })  # fmt: skip
    totals = None
    if "totals" in spec:
        totals = GroupTotals()
        for ccy, company_id, receivable, open_ in spec["totals"].get("buckets", []):
            totals.add(ccy, company_id, receivable, open_)
        for ccy, due, amount in spec["totals"].get("dues", []):
            totals.add_dues(ccy, {date.fromisoformat(due).toordinal(): amount})
    return OrderFacts(
        order, to_minor(order.amount, order.currency), INSTANT,
        date.fromisoformat(spec.get("day", DAY.isoformat())), company, warehouse, customer,
        group, book, totals, spec.get("include_open", True), frozenset(spec.get("no_open", [])),
        FakeRates(spec.get("rates", [])),  # type: ignore[arg-type]
    )  # fmt: skip


def rust_setup(spec: dict) -> list[str]:
    lines = ["let mut s = Setup::new();"]
    for entity in ("order", "company", "warehouse", "customer", "group"):
        if entity not in spec:
            continue
        if spec[entity] is None:
            lines.append(f"s.{entity} = None;")
            continue
        target = "s.order" if entity == "order" else f"s.{entity}()"
        if not spec[entity] and entity != "order":
            lines.append(f"{target};")
        for key, value in spec[entity].items():
            lines.append(f"{target}.{key} = {rust_value(KINDS[entity][key], value)};")
    if "day" in spec:
        lines.append(f"s.day = {rust_day(spec['day'])};")
    b = spec.get("book", {})
    if "currency" in b:
        lines.append(f's.book.currency = ccy("{b["currency"]}");')
    for key in ("receivable", "open"):
        if key in b:
            lines.append(f"s.book.{key} = {b[key]};")
    for amount, due in b.get("invoices", []):
        lines.append(f"s.book.invoices.push(({amount}, {rust_day(due)}));")
    if "totals" in spec:
        lines.append("s.totals();")
        for ccy, company_id, receivable, open_ in spec["totals"].get("buckets", []):
            lines.append(
                f's.totals().buckets.push((ccy("{ccy}"), "{company_id}", {receivable}, {open_}));'
            )
        for ccy, due, amount in spec["totals"].get("dues", []):
            lines.append(f's.totals().dues.push((ccy("{ccy}"), {rust_day(due)}, {amount}));')
    if "include_open" in spec:
        lines.append(f"s.include_open = {'true' if spec['include_open'] else 'false'};")
    for company_id in spec.get("no_open", []):
        lines.append(f's.no_open.push("{company_id}");')
    for f, t, r in spec.get("rates", []):
        lines.append(f's.rate("{f}", "{t}", "{r}");')
    return lines


def rust_dec(value: Decimal | None) -> str:
    return "None" if value is None else f'Some("{value}")'


def rust_reason(r: HoldReason) -> str:
    return (
        f"({rust_str(r.code)}, {rust_str(r.message)}, {rust_dec(r.limit)}, "
        f"{rust_dec(r.exposure)}, {rust_dec(r.order_amount)}, {rust_dec(r.available)}, "
        f"{rust_opt_str(r.currency)})"
    )


def policy_test(name: str, doc: str, spec: dict) -> str:
    body = ["    " + line for line in rust_setup(spec)]
    try:
        facts = build_facts(spec)
        decision = decide_order(facts)
    except AmountPrecisionError as error:
        body.append(f"    assert_error(&s.decide(), {rust_str(str(error))});")
    else:
        binding = decision.binding()
        at = None if binding is None else next(
            n for n, check in enumerate(decision.checks) if check is binding
        )
        body.append("    assert_decision(")
        body.append("        &s.decide(),")
        body.append("        &[")
        body += [f"            {rust_reason(r)}," for r in decision.reasons]
        body.append("        ],")
        body.append("        &[")
        body += [
            f'            ("{c.code}", "{c.currency}", {c.limit}, {c.exposure}, {c.order}),'
            for c in decision.checks
        ]
        body.append("        ],")
        ledger = decision.ledger_amount
        body.append(f"        {'None' if ledger is None else f'Some({ledger})'},")
        body.append(f"        {'None' if at is None else f'Some({at})'},")
        body.append("    );")
    return f"/// {doc}\n#[test]\nfn {name}() {{\n" + "\n".join(body) + "\n}\n"


HEADER = """// @generated by policy/reference/make_cases.py from the Python reference
// (service/domain/{module}.py): do not edit, run the script again.
#![allow(unused_mut, clippy::all)]

use super::*;

"""


def write_policy_cases() -> None:
    from cases import POLICY_CASES

    tests = [policy_test(name, doc, spec) for name, doc, spec in POLICY_CASES]
    names = [name for name, _, _ in POLICY_CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    (OUT / "policy_cases.rs").write_text(HEADER.format(module="policy") + "\n".join(tests))


# -- notifications ----------------------------------------------------------------------------
def rust_notification(n: object) -> list[str]:
    recipients = ", ".join(f'("{r.role}", {rust_str(r.person)})' for r in n.recipients)  # type: ignore[attr-defined]
    return [
        "        Expected {",
        f"            id: {rust_str(n.notification_id)},",  # type: ignore[attr-defined]
        f"            kind: {rust_str(n.kind)},",  # type: ignore[attr-defined]
        f"            recipients: &[{recipients}],",
        f"            message: {rust_str(n.message)},",  # type: ignore[attr-defined]
        f"            company_id: {rust_opt_str(n.company_id)},",  # type: ignore[attr-defined]
        f"            customer_id: {rust_opt_str(n.customer_id)},",  # type: ignore[attr-defined]
        f"            group_id: {rust_opt_str(n.group_id)},",  # type: ignore[attr-defined]
        f"            order_id: {rust_opt_str(n.order_id)},",  # type: ignore[attr-defined]
        "        },",
    ]


def notification_test(name: str, doc: str, spec: dict) -> str:
    lines: list[str] = []
    cu = fields(spec, "customer")
    customer = None if cu is None else build_customer(cu)
    g = fields(spec, "group")
    group = None if g is None else build_group(g)
    lines += [line for line in rust_setup({k: spec[k] for k in ("customer", "group") if k in spec})]
    call = spec["call"]
    account = spec.get("account", ("C1", "A"))
    rust_account = f"({rust_str(account[0])}, {rust_str(account[1])})"
    if call == "managers":
        found = managers(customer, group)
        lines.append("let got = managers(s.customer.as_ref(), s.group.as_ref());")
        listed = ", ".join(rust_str(p) for p in found)
        lines.append(f"assert_eq!(got, vec![{listed}] as Vec<&str>);")
    else:
        if call == "hold":
            reasons = [HoldReason(code, "m") for code in spec["codes"]]
            got = hold_notifications("e1", INSTANT, account, "O1", customer, group,
                                     spec.get("entered_by"), reasons)  # fmt: skip
            codes = ", ".join(rust_str(code) for code in spec["codes"])
            lines.append(f"let reasons = reasons_with_codes(&[{codes}]);")
            lines.append(
                f"let got = hold_notifications(\"e1\", order_instant(), {rust_account}, \"O1\", "
                f"s.customer.as_ref(), s.group.as_ref(), {rust_opt_str(spec.get('entered_by'))}, "
                "&reasons);"
            )
        elif call == "review":
            assert customer is not None
            got = [review_due("e1", INSTANT, account, customer)]
            lines.append("let customer = s.customer.as_ref().expect(\"a customer\");")
            lines.append(
                f"let got = vec![review_due(\"e1\", order_instant(), {rust_account}, customer)];"
            )
        else:
            assert customer is not None and group is not None
            lines.append("let customer = s.customer.as_ref().expect(\"a customer\");")
            lines.append("let group = s.group.as_ref().expect(\"a group\");")
            if call == "cod":
                got = [cod_conflict("e1", INSTANT, account, customer, group)]
                lines.append(
                    f"let got = vec![cod_conflict(\"e1\", order_instant(), {rust_account}, "
                    "customer, group)];"
                )
            else:
                others = [tuple(o) for o in spec["others"]]
                got = [same_account_elsewhere("e1", INSTANT, account, customer, group, others)]
                listed = ", ".join(f"({rust_str(a)}, {rust_str(b)})" for a, b in others)
                lines.append(f"let others: Vec<AccountKey> = vec![{listed}];")
                lines.append(
                    f"let got = vec![same_account_elsewhere(\"e1\", order_instant(), "
                    f"{rust_account}, customer, group, &others)];"
                )
        lines.append("assert_notifications(")
        lines.append("    &got,")
        lines.append("    &[")
        for n in got:
            lines += ["    " + line for line in rust_notification(n)]
        lines.append("    ],")
        lines.append(");")
    body = "\n".join("    " + line for line in lines)
    return f"/// {doc}\n#[test]\nfn {name}() {{\n{body}\n}}\n"


def write_notification_cases() -> None:
    from cases import NOTIFICATION_CASES

    tests = [notification_test(name, doc, spec) for name, doc, spec in NOTIFICATION_CASES]
    (OUT / "notification_cases.rs").write_text(
        HEADER.format(module="notifications") + "\n".join(tests)
    )


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    write_policy_cases()
    write_notification_cases()

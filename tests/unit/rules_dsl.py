"""A tiny builder for rule tests: contract-shaped input dicts fed to one real ``CreditEngine``.

Every method builds the JSON-like dict CONTRACT.md describes (amounts as decimal strings, dates
as ``YYYY-MM-DD``), parses it with ``INPUT_EVENT`` exactly as the service does, hands it to the
engine and returns the outputs. Event ids are generated; ``occurred_at`` defaults to noon UTC
of the scenario's day and any call can move it with ``on="2026-03-05"``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from service.domain.engine import CreditEngine, Outcome
from service.domain.events import INPUT_EVENT
from service.domain.outputs import CreditNotification, OrderApproved, OrderHeld, OutputEvent

DAY = "2026-03-01"
FAR = "2099-12-31"
MONEY_FIELDS = frozenset(
    {
        "amount",
        "credit_limit",
        "default_credit_limit",
        "max_order_amount",
        "tolerance_pct",
        "temporary_credit_limit",
        "insurance_amount",
        "guarantee_amount",
        "allowed_overdue_amount",
        "rate",
    }
)

Money = str | int | Decimal


def instant(on: str) -> str:
    """A day becomes noon UTC of that day; a full instant is kept as it is."""
    return on if "T" in on else f"{on}T12:00:00Z"


def _contract_value(name: str, value: Any) -> Any:
    if name in MONEY_FIELDS and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


class Scenario:
    """One engine and the inputs fed to it so far."""

    def __init__(self, on: str = DAY) -> None:
        self.engine = CreditEngine()
        self.on = on
        self.inputs: list[dict[str, Any]] = []
        self.outcome: Outcome = Outcome()
        self.last_order_id: str | None = None
        self._seq = 0
        self._company_ccy: dict[str, str] = {}
        self._customer_ccy: dict[tuple[str, str], str] = {}

    # -- plumbing --------------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}-{self._seq}"

    def build(
        self, event_type: str, *, on: str | None = None, event_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "event_id": event_id or self.next_id("ev"),
            "event_type": event_type,
            "occurred_at": instant(on or self.on),
        }
        for name, value in fields.items():
            if value is not None:
                event[name] = _contract_value(name, value)
        return event

    def send(self, event: dict[str, Any]) -> list[OutputEvent]:
        """Parse and apply one contract-shaped event; its outputs (also kept in ``outcome``)."""
        parsed = INPUT_EVENT.validate_python(event)
        self.outcome = self.engine.handle(parsed)
        self.inputs.append(event)
        return self.outcome.outputs

    def _emit(self, event_type: str, **fields: Any) -> list[OutputEvent]:
        return self.send(self.build(event_type, **fields))

    def currency_of(self, customer_id: str, company_id: str) -> str:
        return self._customer_ccy.get(
            (company_id, customer_id), self._company_ccy.get(company_id, "EUR")
        )

    def copy(self) -> Scenario:
        """An independent copy of the scenario, engine state included (for probing)."""
        return copy.deepcopy(self)

    # -- reference data --------------------------------------------------------------------
    def company(self, company_id: str = "C1", currency: str = "EUR", **fields: Any) -> Any:
        self._company_ccy[company_id] = currency
        return self._emit("company_upserted", company_id=company_id, currency=currency, **fields)

    def warehouse(self, warehouse_id: str = "W1", company_id: str = "C1", **fields: Any) -> Any:
        return self._emit(
            "warehouse_upserted", warehouse_id=warehouse_id, company_id=company_id, **fields
        )

    def group(
        self,
        group_id: str = "G1",
        credit_limit: Money | None = None,
        *,
        mode: str = "group_and_customer",
        currency: str = "EUR",
        expires: str | None = FAR,
        **fields: Any,
    ) -> list[OutputEvent]:
        return self._emit(
            "group_upserted",
            group_id=group_id,
            currency=currency,
            credit_limit=credit_limit,
            credit_limit_expires=expires,
            limit_mode=mode,
            **fields,
        )

    def customer(
        self,
        customer_id: str = "A",
        credit_limit: Money | None = None,
        *,
        company_id: str = "C1",
        currency: str | None = None,
        group: str | None = None,
        **fields: Any,
    ) -> list[OutputEvent]:
        ccy = currency or self._company_ccy.get(company_id, "EUR")
        self._customer_ccy[(company_id, customer_id)] = ccy
        return self._emit(
            "customer_upserted",
            company_id=company_id,
            customer_id=customer_id,
            currency=ccy,
            credit_limit=credit_limit,
            credit_group_id=group,
            **fields,
        )

    def rate(
        self, from_currency: str, to_currency: str, rate: Money, *, valid_from: str | None = None,
        **fields: Any,
    ) -> list[OutputEvent]:  # fmt: skip
        return self._emit(
            "exchange_rate_set",
            from_currency=from_currency,
            to_currency=to_currency,
            rate=rate,
            valid_from=valid_from or (fields.get("on") or self.on)[:10],
            **fields,
        )

    # -- transactions ----------------------------------------------------------------------
    def order(
        self,
        customer_id: str = "A",
        amount: Money = "100",
        *,
        company_id: str = "C1",
        currency: str | None = None,
        payment_type: str = "on_account",
        order_id: str | None = None,
        **fields: Any,
    ) -> list[OutputEvent]:
        self.last_order_id = order_id or self.next_id("ord")
        return self._emit(
            "order_created",
            order_id=self.last_order_id,
            company_id=company_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency or self.currency_of(customer_id, company_id),
            payment_type=payment_type,
            **fields,
        )

    def invoice(
        self,
        customer_id: str = "A",
        amount: Money = "100",
        *,
        company_id: str = "C1",
        currency: str | None = None,
        invoice_id: str | None = None,
        order_id: str | None = None,
        invoice_date: str | None = None,
        due_date: str | None = None,
        **fields: Any,
    ) -> list[OutputEvent]:
        issued = invoice_date or (fields.get("on") or self.on)[:10]
        return self._emit(
            "invoice_posted",
            invoice_id=invoice_id or self.next_id("inv"),
            order_id=order_id,
            company_id=company_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency or self.currency_of(customer_id, company_id),
            invoice_date=issued,
            due_date=due_date or issued,
            **fields,
        )

    def payment(
        self,
        customer_id: str = "A",
        amount: Money = "100",
        *,
        company_id: str = "C1",
        currency: str | None = None,
        payment_id: str | None = None,
        invoice_ids: Sequence[str] | None = None,
        **fields: Any,
    ) -> list[OutputEvent]:
        return self._emit(
            "payment_posted",
            payment_id=payment_id or self.next_id("pay"),
            company_id=company_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency or self.currency_of(customer_id, company_id),
            invoice_ids=list(invoice_ids) if invoice_ids is not None else None,
            **fields,
        )

    def cancel(
        self, order_id: str, customer_id: str = "A", *, company_id: str = "C1", **fields: Any
    ) -> list[OutputEvent]:
        return self._emit(
            "order_cancelled",
            order_id=order_id,
            company_id=company_id,
            customer_id=customer_id,
            **fields,
        )

    def release(
        self,
        order_id: str,
        customer_id: str = "A",
        *,
        by: str = "ana",
        company_id: str = "C1",
        **fields: Any,
    ) -> list[OutputEvent]:
        return self._emit(
            "hold_released",
            order_id=order_id,
            company_id=company_id,
            customer_id=customer_id,
            decided_by=by,
            **fields,
        )

    def reject(
        self,
        order_id: str,
        customer_id: str = "A",
        *,
        by: str = "ana",
        company_id: str = "C1",
        **fields: Any,
    ) -> list[OutputEvent]:
        return self._emit(
            "hold_rejected",
            order_id=order_id,
            company_id=company_id,
            customer_id=customer_id,
            decided_by=by,
            **fields,
        )

    # -- probes (on a copy: the scenario itself is not changed) ----------------------------
    def fits(self, amount: Money, customer_id: str = "A", **fields: Any) -> bool:
        """Would an on-account order of ``amount`` be approved now?"""
        probe = self.copy()
        return is_approved(probe.order(customer_id, amount, **fields))

    def assert_room(
        self, amount: Money, customer_id: str = "A", *, minor: str = "0.01", **fields: Any
    ) -> None:
        """Exactly ``amount`` of credit is left: that much passes, one minor unit more holds."""
        room = Decimal(str(amount))
        assert self.fits(room, customer_id, **fields), f"{room} should fit"
        over = room + Decimal(minor)
        assert not self.fits(over, customer_id, **fields), f"{over} should not fit"


# -- helpers on outputs --------------------------------------------------------------------
def decision(outputs: Sequence[OutputEvent]) -> OutputEvent:
    assert outputs, "expected a decision, got no outputs"
    first = outputs[0]
    assert first.event_type in ("order_approved", "order_held", "order_rejected"), first
    return first


def is_approved(outputs: Sequence[OutputEvent]) -> bool:
    return isinstance(decision(outputs), OrderApproved)


def is_held(outputs: Sequence[OutputEvent]) -> bool:
    return isinstance(decision(outputs), OrderHeld)


def reasons(output: OutputEvent | Sequence[OutputEvent]) -> list[str]:
    """The reason codes of a decision (or of the decision among a list of outputs)."""
    if isinstance(output, Sequence):
        output = decision(output)
    assert isinstance(output, OrderApproved | OrderHeld), output
    return [reason.code for reason in output.reasons]


def notification_kinds(outputs: Iterable[OutputEvent]) -> list[str]:
    return [o.kind for o in outputs if isinstance(o, CreditNotification)]


def notifications(outputs: Iterable[OutputEvent], kind: str) -> list[CreditNotification]:
    return [o for o in outputs if isinstance(o, CreditNotification) and o.kind == kind]


def recipients(notification: CreditNotification) -> set[tuple[str, str]]:
    return {(r.role, r.person) for r in notification.recipients}


def persons(notification: CreditNotification) -> list[str]:
    return [r.person for r in notification.recipients]

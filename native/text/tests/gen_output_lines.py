"""Expected lines for `tests/write_output.rs`: crafted outputs through `to_json_line`.

    .venv/bin/python native/text/tests/gen_output_lines.py

Prints one line per crafted output, in the order the Rust test builds them.
"""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from service.domain.outputs import (
    CreditNotification, DecisionFigures, HoldReason, OrderApproved, OrderHeld, OrderRejected,
    Recipient,
)
from service.serialize import to_json_line

TRICKY = 'é € 😀 \x7f \x00 \x1f " \\ \n\r\t\b\f / \u2028 \ufeff ~ \U0010ffff'
at = datetime(2026, 3, 2, 10, 0, 0, 250000, tzinfo=timezone(timedelta(hours=1)))
west = datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))

outputs = [
    OrderHeld(
        event_id="e-1:decision", order_id="o-\u00e9", company_id='DE"01', customer_id="C\\1",
        group_id=None, amount=Decimal("1E+3"), currency="EUR",
        reasons=(
            HoldReason(code="CUSTOMER_LIMIT", message=TRICKY, limit=Decimal("-0.05"),
                       exposure=Decimal("0E-7"), order_amount=Decimal("0.0000001"),
                       available=Decimal("123.450"), currency="JPY"),
            HoldReason(code="NO_CREDIT_PROFILE", message=""),
        ),
        credit_managers=("KRM", "J\u00f6rg", "\U0001f600"), decided_at=at,
    ),
    OrderApproved(
        event_id="e-2:decision", order_id="o-2", company_id="US01", customer_id="C2",
        group_id="G-\u4e2d", amount=Decimal("8000.00"), currency="USD", reasons=(),
        decided_at=west,
        figures=DecisionFigures(exposure_before=Decimal("0"), exposure_after=Decimal("12.5E-9"),
                                currency="USD"),
        released_by="\t",
    ),
    OrderRejected(event_id="e-3:decision", order_id="", company_id="\x01", customer_id="C3",
                  decided_by="AKS \u00e9", decided_at=datetime(1, 1, 1, tzinfo=UTC)),
    CreditNotification(
        event_id="e-4:X", notification_id="e-4:X", kind="COD_TERMS_CONFLICT", recipients=(),
        message="\u0000\u007f\u0080\u00ff\ud7ff\ue000\uffff", decided_at=at,
    ),
    CreditNotification(
        event_id="e-5:Y", notification_id="e-5:Y", kind="SAME_ACCOUNT_OTHER_COMPANIES",
        recipients=(Recipient(role="group_credit_manager", person="\U0001d11e"),
                    Recipient(role="credit_analyst", person="")),
        message="m", decided_at=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        company_id="DE01", customer_id=None, group_id="G", order_id="o",
    ),
]
for output in outputs:
    print(to_json_line(output))

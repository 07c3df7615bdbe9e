"""Who is told what: the notification outputs and their recipients.

Managers are de-duplicated (one entry when the customer's and the group's manager are the same
person) and the operator who entered an order is never notified as a manager. A notification
with no recipients is still published: the shared credit queue picks it up.
"""

from __future__ import annotations

from datetime import datetime

from service.domain.outputs import (
    LIMIT_CODES,
    OVERDUE_CODES,
    CreditNotification,
    HoldReason,
    NotificationKind,
    Recipient,
    Role,
)
from service.domain.reference import AccountKey, CustomerProfile, GroupSettings


def managers(customer: CustomerProfile | None, group: GroupSettings | None) -> tuple[str, ...]:
    """The customer's and the group's credit managers, each once."""
    named = [customer.credit_manager if customer else None, group.credit_manager if group else None]
    return tuple(dict.fromkeys(person for person in named if person))


def _recipients(*entries: tuple[Role, str | None]) -> tuple[Recipient, ...]:
    seen: set[str] = set()
    chosen = []
    for role, person in entries:
        if person and person not in seen:
            seen.add(person)
            chosen.append(Recipient(role, person))
    return tuple(chosen)


def notification(
    input_id: str, kind: NotificationKind, recipients: tuple[Recipient, ...], message: str,
    decided_at: datetime, account: AccountKey | None = None, group_id: str | None = None,
    order_id: str | None = None, suffix: str = "",
) -> CreditNotification:  # fmt: skip
    """A notification whose id derives from the input's id, its kind and ``suffix``."""
    notification_id = f"{input_id}:{kind}{suffix}"
    company_id, customer_id = account if account else (None, None)
    return CreditNotification(
        notification_id, notification_id, kind, recipients, message, decided_at,
        company_id, customer_id, group_id, order_id,
    )  # fmt: skip


def hold_notifications(
    input_id: str, decided_at: datetime, account: AccountKey, order_id: str,
    customer: CustomerProfile | None, group: GroupSettings | None, entered_by: str | None,
    reasons: list[HoldReason],
) -> list[CreditNotification]:  # fmt: skip
    """ORDER_ON_HOLD always; CREDIT_LIMIT_EXCEEDED and OVERDUE_EXCEEDED where they apply."""
    analyst = customer.credit_analyst if customer else None
    customer_manager = customer.credit_manager if customer else None
    group_manager = group.credit_manager if group else None
    on_hold = _recipients(
        ("credit_manager", None if customer_manager == entered_by else customer_manager),
        ("group_credit_manager", None if group_manager == entered_by else group_manager),
        ("credit_analyst", analyst),
    )
    codes = [reason.code for reason in reasons]
    group_id = group.group_id if group else None

    def notice(kind: NotificationKind, to: tuple[Recipient, ...], text: str) -> CreditNotification:
        return notification(input_id, kind, to, text, decided_at, account, group_id, order_id)

    found = [notice("ORDER_ON_HOLD", on_hold, f"order {order_id} held: {', '.join(codes)}")]
    analyst_only = _recipients(("credit_analyst", analyst))
    exceeded = [code for code in codes if code in LIMIT_CODES]
    if exceeded:
        text = f"order {order_id} exceeds {', '.join(exceeded)}"
        found.append(notice("CREDIT_LIMIT_EXCEEDED", analyst_only, text))
    overdue = [code for code in codes if code in OVERDUE_CODES]
    if overdue:
        text = f"order {order_id} held for {', '.join(overdue)}"
        found.append(notice("OVERDUE_EXCEEDED", analyst_only, text))
    return found


def review_due(
    input_id: str, decided_at: datetime, account: AccountKey, customer: CustomerProfile
) -> CreditNotification:
    recipients = _recipients(
        ("credit_analyst", customer.credit_analyst), ("credit_manager", customer.credit_manager)
    )
    message = f"credit review of {account[0]}:{account[1]} was due on {customer.next_review}"
    return notification(input_id, "REVIEW_DUE", recipients, message, decided_at, account,
                        customer.group_id)  # fmt: skip


def cod_conflict(
    input_id: str, decided_at: datetime, account: AccountKey, customer: CustomerProfile,
    group: GroupSettings,
) -> CreditNotification:  # fmt: skip
    recipients = _recipients(
        ("group_credit_manager", group.credit_manager), ("credit_analyst", customer.credit_analyst)
    )
    message = (
        f"credit group {group.group_id} takes COD orders only, but member "
        f"{account[0]}:{account[1]} is not on COD terms"
    )
    return notification(input_id, "COD_TERMS_CONFLICT", recipients, message, decided_at, account,
                        group.group_id, suffix=f":{account[0]}:{account[1]}")  # fmt: skip


def same_account_elsewhere(
    input_id: str, decided_at: datetime, account: AccountKey, customer: CustomerProfile,
    group: GroupSettings, others: list[AccountKey],
) -> CreditNotification:  # fmt: skip
    recipients = _recipients(
        ("group_credit_manager", group.credit_manager), ("credit_analyst", customer.credit_analyst)
    )
    listed = ", ".join(f"{company}:{customer_id}" for company, customer_id in others)
    message = (
        f"{account[0]}:{account[1]} joined credit group {group.group_id}; the same customer "
        f"exists outside the group as {listed}: consider adding them"
    )
    return notification(input_id, "SAME_ACCOUNT_OTHER_COMPANIES", recipients, message, decided_at,
                        account, group.group_id, suffix=f":{account[0]}:{account[1]}")  # fmt: skip

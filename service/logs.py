"""structlog set-up: JSON lines with per-event context bound by the runtime.

The record in hand is bound lazily: the runtime sets one context variable per record
(``bind_record``), and its fields (topic, partition, offset and, when known, event id, order,
account or root) are rendered only when a line is actually logged (``merge_record_context``).
Binding the fields themselves with ``structlog.contextvars`` cost a bind and a reset of six
context variables on every record.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar, Token
from typing import Any

import structlog

Record = tuple[Any, Any, bool]  # (message, event or None, whether it failed to decode)
_RECORD: ContextVar[Record | None] = ContextVar("credit_record", default=None)


def configure(level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            merge_record_context,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def bind_record(message: Any, event: Any, failed: bool) -> Token[Record | None]:
    """The record in hand, for every line logged until ``reset_record``."""
    return _RECORD.set((message, event, failed))


def reset_record(token: Token[Record | None]) -> None:
    _RECORD.reset(token)


def record_context(message: Any, event: Any, failed: bool) -> dict[str, Any]:
    """A consumed record's coordinates and, when known, its order and account (an input) or
    its root (a by-root record)."""
    context: dict[str, Any] = {"topic": message.topic(), "partition": message.partition(),
                               "offset": message.offset()}  # fmt: skip
    if event is not None:
        context |= {"event_id": event.event_id, "order_id": getattr(event, "order_id", None),
                    "account": f"{event.company_id}:{event.customer_id}"}  # fmt: skip
    elif not failed:
        context["root"] = (message.key() or b"").decode(errors="replace")
    return context


def merge_record_context(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the bound record's fields, where the line does not name them."""
    record = _RECORD.get()
    if record is not None:
        for key, value in record_context(*record).items():
            event_dict.setdefault(key, value)
    return event_dict

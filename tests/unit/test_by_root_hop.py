"""The repartition hop: a by-root record this instance routed is not validated again."""

from __future__ import annotations

from typing import Any

import pytest

from service.bootstrap import processor_for
from service.domain.events import INPUT_EVENT
from service.errors import PoisonMessageError
from service.processor import ROUTED_LIMIT, CreditProcessor
from service.settings import Settings

ORDER = {"event_id": "e-1", "event_type": "order_created", "occurred_at": "2026-03-03T10:00:00Z",
         "order_id": "o-1", "company_id": "US01", "customer_id": "C1", "amount": "10.50",
         "currency": "USD", "payment_type": "on_account"}  # fmt: skip


def routed(processor: CreditProcessor, **changes: Any) -> tuple[Any, bytes]:
    event = INPUT_EVENT.validate_python(ORDER | changes)
    record = processor.route(event, [])
    assert record.value is not None
    return event, record.value


def test_the_routed_event_comes_back_as_it_was_validated() -> None:
    processor = processor_for(Settings())
    event, value = routed(processor)
    assert value == event.model_dump_json().encode()
    assert processor._by_root_event(value) is event
    again = processor._by_root_event(value)  # read again (a rewind): validated from its JSON
    assert again == event and again is not event


def test_a_record_routed_elsewhere_is_validated() -> None:
    here, there = processor_for(Settings()), processor_for(Settings())
    event, value = routed(there)
    assert here._by_root_event(value) == event
    with pytest.raises(PoisonMessageError):
        here._by_root_event(b'{"event_type": "order_created"}')


def test_routed_events_are_kept_up_to_a_limit() -> None:
    processor = processor_for(Settings())
    for n in range(ROUTED_LIMIT + 5):
        routed(processor, event_id=f"e-{n}")
    assert len(processor._routed) <= ROUTED_LIMIT

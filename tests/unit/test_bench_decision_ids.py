"""The benchmark reads a decision's id without decoding it (``bench/decision_ids.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import decision_ids
from service.codec import AvroCodec, InMemorySchemaRegistry, load_schemas
from service.replay import BadLine, replay_lines
from service.serialize import output_record

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "credit.orders.decided"


class _Message:
    """What ``verify`` reads of a ``confluent_kafka.Message``."""

    def __init__(self, value: bytes) -> None:
        self._value = value

    def topic(self) -> str:
        return TOPIC

    def value(self) -> bytes:
        return self._value


def _decisions() -> list[dict[str, Any]]:
    """The example file's approvals and holds, as contract records."""
    lines = (ROOT / "examples" / "events.jsonl").read_text().splitlines()
    outputs = [o for o in replay_lines(lines) if not isinstance(o, BadLine)]
    records = [output_record(o) for o in outputs]
    return [r for r in records if r["event_type"] in decision_ids.DECISION_TYPES]


@pytest.fixture(scope="module", params=["single-object", "confluent"])
def codec(request: pytest.FixtureRequest) -> AvroCodec:
    registry = InMemorySchemaRegistry() if request.param == "confluent" else None
    return AvroCodec(load_schemas(ROOT / "schemas"), registry)


def test_reads_the_id_of_every_decision_in_either_framing(codec: AvroCodec) -> None:
    decisions = _decisions()
    assert {d["event_type"] for d in decisions} == set(decision_ids.DECISION_TYPES)
    decision_ids.check_schemas(codec)
    for decision in decisions:
        payload = codec.encode(TOPIC, decision)
        assert decision_ids.event_id(payload) == decision["event_id"]


def test_a_long_id_takes_a_varint_of_two_bytes(codec: AvroCodec) -> None:
    decision = dict(_decisions()[0], event_id="d-" + "x" * 200)
    assert decision_ids.event_id(codec.encode(TOPIC, decision)) == decision["event_id"]


def test_verify_counts_the_records_it_cannot_read(codec: AvroCodec) -> None:
    good = [_Message(codec.encode(TOPIC, d)) for d in _decisions()[:5]]
    cut = _Message(good[0].value()[:12])
    assert decision_ids.verify(codec, good) == 0
    assert decision_ids.verify(codec, [*good, cut, _Message(b"not avro")]) == 2


def test_rejects_a_payload_in_no_framing() -> None:
    with pytest.raises(ValueError, match="neither"):
        decision_ids.event_id(b"\x07garbage")

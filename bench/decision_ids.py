"""A decision record's ``event_id``, read without decoding the record.

The benchmark's clock runs until the last expected decision is read. Decoding each one in
Python costs about 20 µs (``OutputWatcher.poll``): 1.5-2 s of CPU for phase 1's 80,000
decisions, taken from the two cores the service and the broker share. The id is the first
field of every decision schema, an Avro string right after the framing header, so it is read
here in about 2 µs; the records are decoded in full after the clock stops (``verify``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from service.codec import CONFLUENT_MAGIC, SINGLE_OBJECT_MARKER, AvroCodec
from service.errors import PoisonMessageError

SINGLE_OBJECT_HEADER = len(SINGLE_OBJECT_MARKER) + 8  # marker, then the 64-bit fingerprint
CONFLUENT_HEADER = 5  # magic byte, then the 32-bit schema id
DECISION_TYPES = ("order_approved", "order_held")


def check_schemas(codec: AvroCodec) -> None:
    """Every decision schema starts with the string ``event_id``: what ``event_id`` reads."""
    texts = codec.schema_texts()
    for event_type in DECISION_TYPES:
        first = json.loads(texts[event_type])["fields"][0]
        if first["name"] != "event_id" or first["type"] != "string":
            raise RuntimeError(f"{event_type} does not start with the string event_id: {first}")


def event_id(payload: bytes) -> str:
    """The first field of an Avro record in either framing, read as a string."""
    if payload[:2] == SINGLE_OBJECT_MARKER:
        at = SINGLE_OBJECT_HEADER
    elif payload[:1] == bytes([CONFLUENT_MAGIC]):
        at = CONFLUENT_HEADER
    else:
        raise ValueError("neither single-object encoded nor Confluent framed")
    zigzag, shift = 0, 0
    while True:  # the string's length: a zigzag varint
        byte = payload[at]
        at += 1
        zigzag |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    length = (zigzag >> 1) ^ -(zigzag & 1)
    if length < 0 or at + length > len(payload):
        raise ValueError(f"no string of {length} bytes at offset {at}")
    return payload[at : at + length].decode()


def verify(codec: AvroCodec, records: Iterable[Any]) -> int:
    """Decodes every decision record read under the clock; returns how many were unreadable
    or carried another id than ``event_id`` read from them."""
    wrong = 0
    for message in records:
        topic, payload = message.topic() or "", message.value() or b""
        try:
            if codec.decode(topic, payload).get("event_id") != event_id(payload):
                wrong += 1
        except (PoisonMessageError, ValueError, IndexError):
            wrong += 1
    return wrong

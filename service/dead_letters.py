"""``credit-service dead-letters``: see what went to the dead-letter topic, and send it back.

Every dead letter keeps the original key and bytes, and says in its headers where it came from
(``source.topic``, ``source.partition``, ``source.offset``) and why (``error.type``,
``error.message``). ``list`` prints one JSON object a line per dead letter. ``republish``
produces the original key and bytes again to their source topic, once the cause is mended (a
schema the service did not know, reference data that was missing, a fixed service), with a
``credit.republished-from`` header naming the dead letter. Republishing is a person's decision,
record by record or for a source topic: nothing is sent back on its own.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from service.errors import CreditServiceError
from service.runtime.clients import common, reader_config, take
from service.settings import Settings

REPUBLISHED_FROM = "credit.republished-from"
_PREVIEW = 120


class DeadLetterError(CreditServiceError):
    """The dead-letter topic could not be read, or a record could not be sent back."""


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def source(self) -> tuple[str, int, int] | None:
        """Source topic, partition and offset, if the headers say them."""
        try:
            h = self.headers
            return h["source.topic"], int(h["source.partition"]), int(h["source.offset"])
        except (KeyError, ValueError):
            return None

    def summary(self) -> dict[str, Any]:
        """What ``list`` prints: coordinates, error, key, and the value's start."""
        value = self.value or b""
        text = value[:_PREVIEW].decode("utf-8", errors="replace")
        return {
            "partition": self.partition, "offset": self.offset,
            "source": dict(zip(("topic", "partition", "offset"), self.source or (), strict=False)),
            "error_type": self.headers.get("error.type"),
            "error": self.headers.get("error.message"),
            "key": None if self.key is None else self.key.decode("utf-8", errors="replace"),
            "value_bytes": len(value), "value_start": text,
            "value_base64": base64.b64encode(value).decode() if len(value) <= _PREVIEW else None,
            "republished_from": self.headers.get(REPUBLISHED_FROM),
        }  # fmt: skip


def read_dead_letters(settings: Settings, timeout: float = 10.0) -> Iterator[DeadLetter]:
    """Every committed dead letter, partition by partition, up to the end seen at the start."""
    topic = settings.topics.dead_letter
    reader = Consumer(reader_config(settings, "dead-letters"))
    try:
        metadata = reader.list_topics(topic, timeout=timeout).topics.get(topic)
        if metadata is None or metadata.error is not None:
            raise DeadLetterError(f"cannot read {topic}: {metadata and metadata.error}")
        ends = {p: reader.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1]
                for p in metadata.partitions}  # fmt: skip
        pending = {p for p, end in ends.items() if end > 0}
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(pending)])
        while pending:
            for message in take(reader, 500, 1.0):
                error, partition = message.error(), message.partition() or 0
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        raise DeadLetterError(f"cannot read {topic}: {error}")
                    pending.discard(partition)
                    continue
                offset = message.offset() or 0
                headers = {name: _text(value) for name, value in _pairs(message.headers())}
                yield DeadLetter(partition, offset, message.key(), message.value(), headers)
                if offset + 1 >= ends[partition]:
                    pending.discard(partition)
    finally:
        reader.close()


def _pairs(headers: Any) -> list[tuple[str, Any]]:
    return list(headers.items()) if isinstance(headers, dict) else list(headers or [])


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value or ""


def republish(settings: Settings, chosen: list[DeadLetter], timeout: float = 30.0) -> int:
    """Produce each chosen dead letter's key and bytes to its source topic; returns the count."""
    producer = Producer(common(settings) | {"enable.idempotence": True})
    failures: list[str] = []

    def delivered(error: KafkaError | None, _: Any) -> None:
        if error is not None:
            failures.append(str(error))

    for letter in chosen:
        source = letter.source
        if source is None:
            raise DeadLetterError(f"dead letter {letter.partition}:{letter.offset} has no source")
        mark = f"{settings.topics.dead_letter}/{letter.partition}/{letter.offset}"
        headers: list[tuple[str, str | bytes | None]] = [(REPUBLISHED_FROM, mark.encode())]
        producer.produce(source[0], letter.value, letter.key, source[1], headers=headers,
                         on_delivery=delivered)  # fmt: skip
    if producer.flush(timeout) or failures:
        raise DeadLetterError(f"not all dead letters were sent back: {failures[:3]}")
    return len(chosen)


dead_letters = typer.Typer(no_args_is_help=True, help=__doc__)


@dead_letters.command("list")
def list_command(
    source_topic: Annotated[str | None, typer.Option(help="only those from this topic")] = None,
) -> None:
    """Print every dead letter, one JSON object a line."""
    for letter in read_dead_letters(Settings()):
        if source_topic is None or (letter.source and letter.source[0] == source_topic):
            typer.echo(json.dumps(letter.summary()))


@dead_letters.command("republish")
def republish_command(
    at: Annotated[list[str] | None, typer.Argument(help="PARTITION:OFFSET of dead letters")] = None,
    source_topic: Annotated[str | None, typer.Option(help="all those from this topic")] = None,
) -> None:
    """Send dead letters back to their source topics (by coordinates, or all of one topic)."""
    wanted = set(at or ())
    if not wanted and source_topic is None:
        raise typer.BadParameter("name dead letters as PARTITION:OFFSET, or give --source-topic")
    settings = Settings()
    chosen = [
        letter for letter in read_dead_letters(settings)
        if f"{letter.partition}:{letter.offset}" in wanted
        or (source_topic is not None and letter.source and letter.source[0] == source_topic)
    ]  # fmt: skip
    missing = wanted - {f"{letter.partition}:{letter.offset}" for letter in chosen}
    if missing:
        typer.echo(f"no such dead letters: {', '.join(sorted(missing))}", err=True)
        raise typer.Exit(code=2)
    count = republish(settings, chosen)
    typer.echo(f"sent {count} dead letters back to their source topics", err=True)

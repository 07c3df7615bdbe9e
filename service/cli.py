"""The ``credit-service`` command line."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from service.dead_letters import dead_letters
from service.inquiry import inquire
from service.replay import BadLine, replay_lines
from service.serialize import to_json_line


class Engine(enum.StrEnum):
    """Which engine a replay runs."""

    python = "python"
    native = "native"


app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
app.add_typer(inquire, name="inquire")
app.add_typer(dead_letters, name="dead-letters")


@app.command()
def replay(
    events: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines file")],
    skip_bad: Annotated[bool, typer.Option(help="report bad lines on stderr and go on")] = False,
    engine: Annotated[
        Engine, typer.Option(help="python: service/domain; native: the same rules in Rust")
    ] = Engine.python,
) -> None:
    """Print, one JSON object a line, every output the service would publish for EVENTS."""
    out = sys.stdout.buffer
    with events.open("rb") as lines:
        for item in _replayed(lines, engine):
            if isinstance(item, BadLine):
                typer.echo(f"{events}: {item}", err=True)
                if not skip_bad:
                    raise typer.Exit(code=2)
                continue
            out.write(item)
    out.flush()


def _replayed(lines: Iterable[bytes], engine: Engine) -> Iterator[bytes | BadLine]:
    """The replay's outputs as newline-terminated JSON bytes, or bad lines, in order."""
    if engine is Engine.native:
        from service.native import native_replay_lines

        yield from native_replay_lines(lines)
        return
    for item in replay_lines(lines):
        yield item if isinstance(item, BadLine) else to_json_line(item).encode() + b"\n"


@app.command()
def publish(
    events: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines file")],
) -> None:
    """Publish EVENTS to their input topics, Avro-encoded, as an order system would."""
    import json

    from service.bootstrap import codec_for
    from service.publish import EventPublisher
    from service.runtime.clients import ensure_topics
    from service.settings import Settings

    settings = Settings()
    ensure_topics(settings)
    publisher = EventPublisher(settings, codec_for(settings))
    with events.open() as lines:
        count = publisher.publish(json.loads(line) for line in lines if line.strip())
    publisher.flush()
    typer.echo(f"published {count} events to {settings.bootstrap_servers}", err=True)


@app.command()
def run() -> None:
    """Run the Kafka service (configured by CREDIT_* and KAFKA_BOOTSTRAP_SERVERS)."""
    from service.runtime.service import run_service

    raise typer.Exit(code=run_service())


@app.callback()
def main() -> None:
    """Real-time credit decisions on Kafka: exact, explained, exactly-once."""
    from service.bootstrap import tune_garbage_collector

    tune_garbage_collector()


if __name__ == "__main__":
    app()

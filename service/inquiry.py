"""``credit-service inquire``: ask the ledger after replaying an event file.

The answers come from the same engine and queries the service uses; with no broker at hand an
analyst or an auditor replays the input log and asks. Every answer is one JSON object a line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Annotated, Any

import typer

from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT
from service.domain.queries import (
    account_position,
    aged_balances,
    group_position,
    held_orders,
    manager_audit,
)
from service.replay import BadLine, replay_lines
from service.serialize import json_default, output_record, to_native

inquire = typer.Typer(no_args_is_help=True, help=__doc__)
EventsFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines file")]
AccountOption = Annotated[str | None, typer.Option(help="COMPANY:CUSTOMER")]
GroupOption = Annotated[str, typer.Option(help="credit group id")]
OnDate = Annotated[str | None, typer.Option(help="business day YYYY-MM-DD (default: last event)")]


def _replayed(events: Path) -> tuple[CreditEngine, date, list[Any]]:
    """The engine after every line of ``events``, the last business day, and the outputs.

    A bad line stops the inquiry (exit code 2, the line named on stderr), as ``replay`` does:
    an answer over part of the log would be wrong without saying so.
    """
    engine = CreditEngine()
    outputs: list[Any] = []
    with events.open("rb") as lines:
        for item in replay_lines(lines, engine):
            if isinstance(item, BadLine):
                typer.echo(f"{events}: {item}", err=True)
                raise typer.Exit(code=2)
            outputs.append(item)
    last = date.min
    with events.open("rb") as lines:
        for line in lines:
            if line.strip():  # every line was read above; the business day is the UTC date
                at = INPUT_EVENT.validate_json(line).occurred_at
                last = max(last, at.astimezone(UTC).date())
    return engine, last, outputs


def _answer(query: Callable[[], Any]) -> Any:
    """A query's answer; a missing exchange rate is an error (exit code 1), never a guess."""
    try:
        return query()
    except LookupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc


def _print(value: Any) -> None:
    typer.echo(json.dumps(to_native(value), default=json_default, separators=(",", ":")))


@inquire.command()
def holds(events: EventsFile, manager: str | None = None, customer: str | None = None,
          company: str | None = None) -> None:  # fmt: skip
    """Held orders (SX.e release inquiry): by manager; or by customer, whoever the manager."""
    engine, _, _ = _replayed(events)
    for entry in held_orders(engine, manager, customer, company):
        _print(entry)


@inquire.command()
def exposure(events: EventsFile, account: AccountOption = None, group: str | None = None,
             on: OnDate = None) -> None:  # fmt: skip
    """Exposure and available credit of an account or a credit group."""
    engine, last, _ = _replayed(events)
    day = date.fromisoformat(on) if on else last
    if account:
        company_id, _, customer_id = account.partition(":")
        _print(_answer(lambda: account_position(engine, (company_id, customer_id), day)))
    if group:
        _print(_answer(lambda: group_position(engine, group, day)))


@inquire.command()
def aged(events: EventsFile, group: GroupOption, on: OnDate = None) -> None:
    """Aged balances of a credit group: each member by aging period, and the total."""
    engine, last, _ = _replayed(events)
    _print(aged_balances(engine, group, date.fromisoformat(on) if on else last))


@inquire.command()
def audit(events: EventsFile) -> None:
    """Holds whose recorded manager is not the customer's current one (SX.e audit report)."""
    engine, _, _ = _replayed(events)
    for finding in manager_audit(engine):
        _print(finding)


@inquire.command()
def why(events: EventsFile, order_id: str) -> None:
    """Every decision about ORDER_ID with all its reasons and figures, as published."""
    _, _, outputs = _replayed(events)
    for output in outputs:
        if getattr(output, "order_id", None) == order_id and output.event_type != (
            "credit_notification"
        ):
            typer.echo(json.dumps(output_record(output), default=json_default,
                                  separators=(",", ":")))  # fmt: skip

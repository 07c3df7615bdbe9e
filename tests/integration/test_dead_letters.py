"""``credit-service dead-letters`` on the broker: a poison record the service dead-lettered is
listed with where it came from and why, and sent back to its source topic."""

from __future__ import annotations

import json
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from typer.testing import CliRunner

from service.cli import app
from service.dead_letters import REPUBLISHED_FROM, read_dead_letters
from service.runtime.clients import ensure_topics
from tests.contract.harness import isolated_settings
from tests.contract.test_contract import scenario
from tests.integration.service_process import deployed, settings_env, settle

POISON = b"\xc3\x01not avro at all"


def test_list_and_send_back_a_dead_letter(bootstrap_servers: str, tmp_path: Path) -> None:
    settings = isolated_settings(bootstrap_servers, tmp_path / "unused")
    ensure_topics(settings)
    publisher, service = deployed(settings, scenario()[0], tmp_path, "i1")
    orders = settings.topics.orders_created
    publisher.producer.produce(orders, POISON, b"US01:C1")
    publisher.flush()
    settle(settings, service)
    env = settings_env(settings)
    runner = CliRunner()

    listed = runner.invoke(app, ["dead-letters", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    [letter] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert letter["source"] == {"topic": orders, "partition": 0, "offset": 0}
    assert letter["error_type"] == "PoisonMessageError" and "writer schema" in letter["error"]
    assert letter["key"] == "US01:C1" and letter["value_bytes"] == len(POISON)

    missing = runner.invoke(app, ["dead-letters", "republish", "0:7"], env=env)
    assert missing.exit_code == 2 and "0:7" in missing.stderr
    sent = runner.invoke(app, ["dead-letters", "republish", "0:0"], env=env)
    assert sent.exit_code == 0, sent.output

    reader = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "dl-check",
                       "enable.auto.commit": False})  # fmt: skip
    reader.assign([TopicPartition(orders, 0, 1)])
    [again] = reader.consume(1, timeout=20)
    reader.close()
    assert (again.key(), again.value()) == (b"US01:C1", POISON)
    assert dict(again.headers() or [])[REPUBLISHED_FROM] == (
        f"{settings.topics.dead_letter}/0/0".encode())  # fmt: skip

    settle(settings, service)  # still poison: dead-lettered again, from its new offset
    sources = [letter.source for letter in read_dead_letters(settings)]
    assert sources == [(orders, 0, 0), (orders, 0, 1)]
    assert service.terminate() == 0

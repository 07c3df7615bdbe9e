"""A membership change while orders for both groups flow, across two service instances.

The member's old group and its new group live on by-root partitions that two different
instances own (range assignment: partitions 0-1 and 2-3). Both commit only every 2 s, so the
old owner hands the book over long after the new owner has read the move: without the
hand-over protocol (``service.handover``) the new group's orders would be decided without the
member's exposure.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from service.bootstrap import codec_for
from service.publish import EventPublisher
from service.runtime.clients import ensure_topics
from tests.contract.harness import isolated_settings
from tests.integration.service_process import ServiceProcess, publish_settled, settle
from tests.integration.test_failures import check_exactly_once
from tests.unit.rules_dsl import Scenario


def group_on(partition: int, partitions: int) -> str:
    return next(f"G{n}" for n in range(10_000)
                if zlib.crc32(f"G:G{n}".encode()) % partitions == partition)  # fmt: skip


def test_a_member_moves_between_groups_owned_by_two_instances(bootstrap_servers: str,
                                                              tmp_path: Path) -> None:  # fmt: skip
    settings = isolated_settings(bootstrap_servers, tmp_path / "unused", commit_interval_ms=2000)
    ensure_topics(settings)
    old, new = group_on(0, settings.by_root_partitions), group_on(3, settings.by_root_partitions)
    s = Scenario()
    s.company("C1", "EUR")
    s.group(old, 10_000, mode="group")
    s.group(new, 1_000, mode="group")
    for customer, group in (("X", old), ("W", old), ("Y", new), ("V", new)):
        s.customer(customer, group=group)
    reference = list(s.inputs)
    s.invoice("X", 900)
    history = s.inputs[len(reference) :]

    publisher = EventPublisher(settings, codec_for(settings))
    publisher.publish(reference)
    publisher.flush()
    first = ServiceProcess(settings, tmp_path, "a").start()
    second = ServiceProcess(settings, tmp_path, "b").start()
    first.wait_ready(90)
    second.wait_ready(90)
    publish_settled(settings, publisher, history, first, second)

    mark = len(s.inputs)
    s.customer("X", group=new)  # the move
    move = s.inputs[mark:]
    mark = len(s.inputs)
    amounts = (("Y", 60), ("V", 50), ("W", 9_500), ("X", 50))
    replayed = {customer: s.order(customer, amount)[0].event_type for customer, amount in amounts}
    # in the new group 900 + 60 fits, then 1,010 does not; the old group lost X's 900
    assert replayed == {"Y": "order_approved", "V": "order_held", "W": "order_approved",
                        "X": "order_held"}  # fmt: skip
    orders = s.inputs[mark:]
    publisher.publish(move)
    publisher.flush()
    publisher.publish(orders)
    publisher.flush()
    settle(settings, first, second, timeout=120)
    assert first.terminate() == 0 and second.terminate() == 0

    phases = [reference, history, move, orders]
    check_exactly_once(settings, phases)  # outputs and balances equal replay's

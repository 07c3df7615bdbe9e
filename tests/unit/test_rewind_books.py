"""A rewind (``KafkaRuntime._rewind``) takes the books back to the last commit: the books of
the stores, and none of those the abandoned batch opened. Its events are read again and must
be decided again, not taken for repeats. In-memory processor, no broker (the broker test is
``tests/integration/test_rewind.py``)."""

from __future__ import annotations

from tests.unit.rules_dsl import Scenario
from tests.unit.test_handover import PARTITIONS, Cluster, Instance, decisions


def rewind(instance: Instance) -> int:
    """What ``_rewind`` does to the processor, with the instance's stores."""
    stores = instance.cluster.stores
    return instance.processor.rewind(stores, lambda partition: stores[partition].items())


def test_the_events_of_an_abandoned_batch_are_decided_again() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("X", limit=1_000)
    s.customer("Y", limit=1_000)
    cluster = Cluster()
    cluster.reference += s.inputs
    instance = Instance(cluster, list(range(PARTITIONS)))
    instance.direct = True
    s.invoice("X", 300)
    instance.route(s.inputs[-1])
    instance.commit()  # X's book is stored
    batch = len(s.inputs)
    s.order("X", 500)  # on the stored book
    s.order("Y", 200)  # opens Y's book
    for event in s.inputs[batch:]:
        instance.route(event)
    first = decisions(instance.decided)
    assert len(first) == 2

    assert rewind(instance) == 1  # Y's book: it was never flushed
    assert not instance.processor.engine.has_book(("C1", "Y"))
    instance.decided.clear()
    for event in s.inputs[batch:]:
        instance.route(event)
    assert decisions(instance.decided) == first
    x = instance.processor.engine.present_book(("C1", "X"))
    assert x is not None and x.exposure(True) == 80_000  # 300 + 500 once, in cents

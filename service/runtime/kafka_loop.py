"""The Kafka runtime: consume → decide → produce, exactly once, in transactions.

One loop thread polls two consumers: the global reference table (every reference record,
no group) and the group consumer (transaction inputs and the internal by-root topic). Every
``commit_interval_ms`` (sooner when there is no backlog: ``_commit_gap``) it commits one Kafka
transaction, in this order (Kafka Streams EOS v2):

1. produce the outputs, the by-root records and the changelog entries of changed books (an
   input decided where it is read has its outputs in the transaction that commits its input
   offset; one routed to its root, in the transaction that commits the by-root offset);
2. ``send_offsets_to_transaction`` with the group consumer's positions;
3. ``commit_transaction``;
4. then write the changes to the local stores, with the changelog offsets they reflect.

What a crash between steps leaves behind:
- before 3 (during 1 or 2, or before the commit reached the coordinator): the transaction is
  aborted (by its timeout, or at once when this ``transactional.id`` starts again and fences
  it). No output, by-root record, changelog entry or offset of it is visible to
  ``read_committed`` readers; the inputs are consumed again from the last committed offsets.
  Local stores were not written, so they equal the committed changelog.
- between 3 and 4: everything is committed but the local stores lag behind. On restart the
  store's changelog offset is older, so restore replays the changelog tail after it; entries
  are whole-book upserts keyed by account, so replaying them twice is harmless.
- after 4: the stores write without RocksDB's write-ahead log (as Kafka Streams' do), so a
  crash before RocksDB flushed its memory table takes the store back to an earlier batch,
  with that batch's changelog offset: the case above, replayed from there.
The offsets committed for a by-root partition stop before its first parked record
(``service.handover``); its store says which later records were applied, so reading them again
after a crash applies nothing twice.
An aborted transaction (``txn_requires_abort``) is handled the same way without a restart: the
consumer rewinds to its committed offsets and the books are reloaded from the local stores,
each first brought to the end of its committed changelog. So is a producer renewed after an
outage (``_renew_producer``); its ``init_transactions`` aborts the open transaction, or
completes one whose commit reached the coordinator before the reply was lost: then the
changelog holds changes the stores never took, and the restore applies them.
A fenced producer (a newer instance with the same id, or a rebalance generation it missed) is
fatal: this process stops and leaves the work to the instance that fenced it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential

from service.errors import CreditServiceError
from service.ports import Record, StateStore
from service.processor import CreditProcessor
from service.runtime.by_root_progress import ByRootProgress
from service.runtime.clients import consumer_config, ensure_topics, take
from service.runtime.health import Health
from service.runtime.input_lag import InputLag
from service.runtime.merge import EventTimeMerge
from service.runtime.rebalance import Draining, Rebalancing
from service.runtime.record_handling import RecordHandling
from service.runtime.reference_fence import STATISTICS_INTERVAL_MS, ReferenceFence
from service.runtime.reference_loading import StopRequested
from service.runtime.transactions import TransactionalOutput
from service.settings import Settings

log = structlog.get_logger(__name__)
POLL_WAIT_S = 0.02  # the longest a poll waits for input (the loop beats between polls)


def _transient(exc: BaseException) -> bool:
    """A broker outage is worth waiting out; a fatal client error (fencing) is not."""
    return isinstance(exc, KafkaException) and not exc.args[0].fatal()


class FencedError(CreditServiceError):
    """Another producer with our transactional id, or a newer group generation, took over."""


class KafkaRuntime(Rebalancing, RecordHandling):
    def __init__(self, settings: Settings, processor: CreditProcessor, metrics: Any,
                 health: Health) -> None:  # fmt: skip
        self.settings, self.processor = settings, processor
        self.metrics, self.health = metrics, health
        self.exactly_once = settings.guarantee == "exactly_once"
        self.stores: dict[int, StateStore] = {}
        self.running = True
        self._pending_offsets = False
        self._last_commit_seconds = 0.0  # how long the last commit took
        self._fatal: BaseException | None = None  # raised in a client callback, re-raised here
        self._uncommitted: dict[int, dict[bytes, bytes | None]] = {}
        self._outage = False
        self._next_offsets: dict[tuple[str, int], int] = {}  # after the last record handled
        self._inputs: list[tuple[str, int]] = []  # assigned input partitions
        self._draining: Draining | None = None
        self.input_lag = InputLag()
        self.by_root_progress = ByRootProgress()
        inputs = settings.topics.transaction_inputs()
        self.reference_fence = ReferenceFence(inputs)
        self.merge = EventTimeMerge({t: rank for rank, t in enumerate(inputs)},
                                    settings.merge_wait_ms / 1000,
                                    processor.ledger.release_merged)  # fmt: skip

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Connect, create topics, load the reference table; a broker outage is waited out."""
        for attempt in self._through_outages():
            with attempt:
                self._start()

    def _renew_producer(self) -> None:
        """After an outage librdkafka may wait forever on a stale group coordinator in
        ``send_offsets_to_transaction`` (librdkafka issues 5456, 5511): start a new
        producer, which aborts the open transaction, and go back to the last commit."""
        log.warning("renewing_producer_after_outage")
        for attempt in self._through_outages():
            with attempt:
                self.output.renew()
        self._outage = False
        self.metrics.aborts.inc()
        self._rewind()

    def _through_outages(self) -> Retrying:
        """Retries with backoff while the broker is away; a fatal error is not retried."""
        wait = wait_exponential(multiplier=0.5, max=self.settings.retry_backoff_max_s)
        return Retrying(retry=retry_if_exception(_transient), wait=wait, reraise=True,
                        before_sleep=self._starting_again)  # fmt: skip

    def _starting_again(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("broker_unavailable_retrying", error=str(error))
        self.health.set_connected(False)
        self.health.beat()
        if not self.running:
            raise StopRequested("stopped while waiting for the broker") from error

    def _start(self) -> None:
        ensure_topics(self.settings)
        self.output = TransactionalOutput(self.settings, self._on_error)
        self._open_reference()
        self.consumer = Consumer(consumer_config(self.settings) | {
            "error_cb": self._on_error, "stats_cb": self.reference_fence.observe,
            "statistics.interval.ms": STATISTICS_INTERVAL_MS,
        })  # fmt: skip
        topics = self.settings.topics
        self.consumer.subscribe([*topics.transaction_inputs(), topics.by_root],
                                on_assign=self._on_assign, on_revoke=self._on_revoke,
                                on_lost=self._on_revoke)  # fmt: skip

    def _check_lag(self) -> None:
        try:
            behind = self.reference.behind()
        except KafkaException as exc:
            log.warning("lag_check_failed", error=str(exc))
            self.health.set_connected(False)
            return
        self.health.set_connected(True)
        self.metrics.reference_behind.set(behind)
        self.metrics.books_undecoded.set(self.processor.ledger.undecoded_count())
        self.health.set_caught_up(behind == 0)
        for tp in self.consumer.assignment():
            position = self.consumer.position([tp])[0].offset
            end = self.consumer.get_watermark_offsets(tp, timeout=5, cached=True)
            if end is not None and position >= 0:
                self.metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(
                    max(end[1] - position, 0))  # fmt: skip

    def stop(self) -> None:
        self.running = False

    def run(self) -> None:
        """Loop until ``stop``: on SIGTERM the batch in hand is committed, then the group left."""
        try:
            self.start()
        except StopRequested:
            self._close()
            return
        try:
            self._loop()
        except StopRequested:  # stopped inside a record: the uncommitted batch is done again
            log.warning("stopped_before_commit")
        finally:
            self._close()

    def _loop(self) -> None:
        started = checked = time.monotonic()
        while self.running:
            self.health.beat()
            if time.monotonic() - checked >= 1.0:
                self._check_lag()
                checked = time.monotonic()
            self._apply_reference(timeout=0.0)
            due = started + self._commit_gap(False) - time.monotonic()  # a quiet commit
            wait = min(POLL_WAIT_S, max(due, 0.0))
            backlog = self._consume_batch(wait) >= self.settings.max_batch
            if self._fatal is not None:
                raise FencedError(f"stopped: {self._fatal}") from self._fatal
            if time.monotonic() - started >= self._commit_gap(backlog):
                self.commit()
                started = time.monotonic()
        self.commit()

    def _commit_gap(self, backlog: bool) -> float:
        """Seconds between commits: ``commit_interval_ms`` while there is a backlog, where
        larger transactions make more decisions per second; with none, a decision waits for
        the commit that makes it visible, so commit after ``quiet_commit_ms``, and after
        ``quiet_commit_ratio`` times as long as the last commit took (the share of the time
        spent committing is at most ``1 / (1 + ratio)``)."""
        interval = self.settings.commit_interval_ms / 1000
        quiet = self.settings.quiet_commit_ms / 1000
        if backlog or not quiet:
            return interval
        working = self.settings.quiet_commit_ratio * self._last_commit_seconds
        return min(interval, max(quiet, working))

    def _close(self) -> None:
        """Close what was opened (``start`` may have stopped half-way)."""
        self.health.set_ready(False)
        opened = [getattr(self, name, None) for name in ("consumer", "reference", "output")]
        try:
            for client in opened[:2]:
                if client is not None:
                    client.close()
        finally:
            for store in self.stores.values():
                store.close()
            if opened[2] is not None:
                opened[2].close()

    # -- the loop --------------------------------------------------------------------------
    def _produce(self, records: list[Record]) -> None:
        self._producing(self.output.produce, records)

    def _produce_outputs(self, records: list[tuple[str, bytes, bytes]]) -> None:
        self._producing(self.output.produce_outputs, records)

    def _producing(self, produce: Callable[[Any], None], records: Any) -> None:
        """Inside the open transaction; a producer in a fatal state (fenced: a newer instance
        with this id) stops the loop, even before its error callback has been served."""
        try:
            produce(records)
        except KafkaException as exc:
            if exc.args[0].fatal():
                raise FencedError(f"stopped: {exc.args[0]}") from exc
            raise

    def _consume_batch(self, wait: float) -> int:
        """By-root records are decided as they come; inputs wait in the event-time merge.
        Waits up to ``wait`` seconds for the first record; returns how many were read."""
        messages = take(self.consumer, self.settings.max_batch, wait)
        if self._fatal is not None:  # set by a rebalance callback during that call
            raise FencedError(f"stopped: {self._fatal}") from self._fatal
        if self.by_root_progress.needed:  # what those reads brought the by-root positions to
            self._by_root_positions()
        self._drained()
        if self._read_all(messages):
            self._reference_before_inputs()
        if self._draining is not None:  # inputs read before the pause wait in the merge
            return len(messages)
        self._handle_released(self.merge.release(self._inputs, self._has_lag, time.monotonic()))
        return len(messages)

    def _has_lag(self, partition: tuple[str, int]) -> bool:
        return self.input_lag.has_lag(self.consumer, partition)

    # -- commit ----------------------------------------------------------------------------
    def commit(self) -> None:
        """Steps 1-4 of the module docstring. A retriable failure (the broker is away) keeps
        the transaction open and is tried again at the next commit; stores wait for it."""
        if self._fatal is not None:
            raise FencedError(f"stopped: {self._fatal}") from self._fatal
        if self._outage and self.exactly_once:
            self._renew_producer()
        self.metrics.flush()
        flush = self.processor.flush()
        self._produce(flush.records)
        self._producing(self.output.produce_changelog, flush.changelog)
        for partition, changes in flush.store_changes.items():
            self._uncommitted.setdefault(partition, {}).update(changes)
        if not self.output.in_transaction and not self._pending_offsets:
            return
        started = time.perf_counter()
        try:
            self._commit_transaction()
        except KafkaException as exc:
            self._on_commit_failure(exc)
            return
        except SystemError as exc:  # a client callback failed after a fatal error
            raise FencedError(f"stopped: {self._fatal or exc}") from exc
        self._last_commit_seconds = time.perf_counter() - started
        self.metrics.commit_seconds.observe(self._last_commit_seconds)
        self._persist()
        self.by_root_progress.prune(self.output.by_root_delivered)

    def _persist(self) -> None:
        """Step 4: the stores take the committed changes, with their changelog offsets."""
        for partition, changes in self._uncommitted.items():
            store = self.stores.get(partition)
            offset = self.output.changelog_offsets.get(partition)
            if store is not None and offset is not None:
                store.write(changes, offset)
        self._uncommitted.clear()
        self._pending_offsets = False

    def _commit_transaction(self) -> None:
        positions = []
        for (topic, partition), offset in sorted(self._next_offsets.items()):
            if topic == self.settings.topics.by_root:  # not past a parked record
                floor = self.processor.parked_floor(partition)
                offset = offset if floor is None else min(offset, floor)
            positions.append(TopicPartition(topic, partition, offset))
        self.output.commit(positions, self.consumer)

    def _on_commit_failure(self, exc: KafkaException) -> None:
        error = exc.args[0]
        fenced = (KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH)
        if error.fatal() or error.code() in fenced:
            self.running = False
            raise FencedError(f"producer fenced: {error}") from exc
        if not error.txn_requires_abort() and self.exactly_once:
            log.warning("commit_retrying", error=str(error))
            self._backoff()
            return
        log.warning("transaction_aborted", error=str(error))
        self._abandon_batch()

    def _abandon_batch(self) -> None:
        """Abort the transaction in hand and go back to the last commit."""
        self.metrics.aborts.inc()
        self._abort()
        self._rewind()

    def _abort(self) -> None:
        while self.output.in_transaction:
            try:
                self.output.abort()
            except KafkaException as exc:
                if exc.args[0].fatal():
                    raise FencedError(f"abort failed: {exc.args[0]}") from exc
                log.warning("abort_retrying", error=str(exc.args[0]))
                self._backoff()

    def _backoff(self) -> None:
        """Wait a little while the broker is away, still alive for /healthz."""
        self.health.set_connected(False)
        self.health.beat()
        time.sleep(min(self.settings.retry_backoff_max_s, 1.0))

    def _on_error(self, error: KafkaError) -> None:
        log.warning("kafka_error", error=str(error), fatal=error.fatal())
        if error.fatal():
            self._fatal = KafkaException(error)
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.health.set_connected(False)
            self._outage = True

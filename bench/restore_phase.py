"""Phase 3 of ``bench.kafka_bench``: restore of account books, and of the reference table.

Account books (an open order, an open invoice, a short id log) are produced straight into a
changelog topic, then ``restore_partitions`` (one reader, as the service restores) brings them
into fresh RocksDB stores ("changelog → store") and ``processor.assign`` of every store into
memory ("store → memory"). Then ``bench.reference_load`` times a reference table of as many
customers: a first start and a restart from the local snapshot.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import inspect
import io
import os
import pstats
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from bench import reference_load
from bench.kafka_support import (
    Deployment,
    RawProducer,
    delete_topics,
    load_average,
    log,
    topic_retries,
)
from bench.reference_load import ReferenceLoad
from service.book_keys import book_key
from service.bootstrap import processor_for
from service.domain.ledger import AccountBook, id_digest
from service.domain.reference import AccountKey
from service.domain.snapshot import book_to_bytes
from service.processor import CreditProcessor
from service.runtime import restore as restore_module
from service.settings import Settings
from service.stores import RocksDBStateStore

T = TypeVar("T")


@dataclass
class Restore:
    accounts: int
    partitions: int
    changelog_bytes: int
    produce_seconds: float
    restore_seconds: float
    applied: int
    assign_seconds: float
    books: int
    memory_bytes: int
    flush_seconds: float
    flush_records: int
    load: str = ""
    api: str = "restore_partition"
    profiles: dict[str, str] = field(default_factory=dict)
    reference: ReferenceLoad | None = None
    groups: int = 0  # credit groups whose totals were summed (after every book was decoded)
    # every book decoded and summed once, as first use does (``engine.stored.load_all``);
    # 0 for code that decodes at assign
    decode_seconds: float = 0.0
    decoded_memory_bytes: int = 0
    # a new node: ``processor.assign`` of what the restore read (0: it read the stores back)
    fresh_assign_seconds: float = 0.0


_DAY0 = date(2026, 3, 2)
_CURRENCIES = {"US01": "USD", "EU01": "EUR", "GB01": "GBP", "JP01": "JPY"}


def sample_book(i: int, account: AccountKey | None = None, currency: str | None = None,
                ) -> tuple[AccountKey, AccountBook]:  # fmt: skip
    """Account ``i`` (or ``account``) and a small realistic book: one open order, one open
    invoice, and the ids it has seen (those two, and an older invoice and its payment)."""
    company = tuple(_CURRENCIES)[i % 4]
    account = account or (company, f"C{i:07d}")
    book = AccountBook(currency or _CURRENCIES[company])
    order, invoice, older = f"o-{i:09d}", f"i-{i:09d}", f"i-{i + 1_000_000_000:010d}"
    for kind, business_id in (("invoice", older), ("payment", f"p-{i:09d}")):
        book.mark_seen(id_digest(kind, business_id))
    issued = _DAY0 - timedelta(days=i % 45)
    book.post_invoice(invoice, 50_000 + i % 997 * 113, issued, issued + timedelta(days=30))
    book.mark_seen(id_digest("invoice", invoice))
    book.add_order(order, 20_000 + i % 503 * 151)
    book.mark_seen(id_digest("order", order))
    return account, book


def _profiled(enabled: bool, into: dict[str, str], name: str, call: Callable[[], T]) -> T:
    if not enabled:
        return call()
    profiler = cProfile.Profile()
    result = profiler.runcall(call)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(14)
    into[name] = text.getvalue()
    return result


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def restore(args: argparse.Namespace, base: Settings, run_id: str, work: Path) -> Restore:
    """The reference table first (a first start, then a restart from its snapshot), then the
    books of its customers restored into the restarted instance's processor: group totals
    are summed as in a real restart. With ``--no-reference-load``: books of accounts that
    have no profile."""
    reference, processor, accounts = None, None, None
    if not args.no_reference_load:
        log(f"restore: publishing a reference table of {args.restore_accounts:,} customers")
        deployment = Deployment.create(base, run_id, "reference", work)
        try:
            reference, processor = reference_load.measure(
                deployment.settings, args.restore_accounts, args.seed)  # fmt: skip
        finally:
            if not args.keep:
                delete_topics(deployment.settings, deployment.all_topics())
        accounts = reference_load.customer_accounts(args.restore_accounts, args.seed)
        log(f"restore: reference table loaded in {reference.load_seconds:.1f} s, from its "
            f"snapshot in {reference.restart_seconds:.1f} s")  # fmt: skip
    deployment = Deployment.create(base, run_id, "restore", work)
    settings = deployment.settings
    topic_retries(settings)
    processor = processor or processor_for(settings)
    try:
        restored = _books(args, settings, processor, accounts, work)
    finally:
        if not args.keep:
            shutil.rmtree(work / "restore", ignore_errors=True)
            delete_topics(settings, deployment.all_topics())
    restored.reference = reference
    return restored


def _decode_all(args: argparse.Namespace, profiles: dict[str, str],
                processor: CreditProcessor) -> tuple[float, int]:  # fmt: skip
    """Decode every restored book and sum its group, as first use does over time; returns the
    seconds and the memory it added. Nothing to do for code that decodes at assign."""
    load_all = getattr(processor.ledger, "load_all_books", None)
    if load_all is None:  # service code before either engine had it
        stored = getattr(getattr(processor.ledger, "engine", None), "stored", None)
        load_all = None if stored is None else stored.load_all
    if load_all is None or not processor.ledger.undecoded_count():
        return 0.0, 0
    before = _rss_bytes()
    started = time.perf_counter()
    with restore_module.bulk_load():
        _profiled(args.profile_restore, profiles, "first use of every book", load_all)
    seconds = time.perf_counter() - started
    gc.collect()
    return seconds, _rss_bytes() - before


def _groups_with_balances(processor: CreditProcessor,
                          accounts: dict[AccountKey, str] | None) -> int:  # fmt: skip
    """How many credit groups hold restored balances (summed as in a real restart)."""
    roots = {processor.ledger.root_of(account) for account in accounts or []}
    groups = [root[2:] for root in roots if root.startswith("G:")]
    return sum(bool(processor.ledger.group_balances(group)[0]) for group in groups)


def _books(args: argparse.Namespace, settings: Settings, processor: CreditProcessor,
           accounts: dict[AccountKey, str] | None, work: Path) -> Restore:  # fmt: skip
    partitions = settings.by_root_partitions
    changelog = settings.topics.changelog
    producer = RawProducer(settings, linger_ms=50)
    customers = list(accounts.items()) if accounts else []
    started = time.perf_counter()
    size = 0
    for i in range(args.restore_accounts):
        account, currency = customers[i] if customers else (None, None)
        account, book = sample_book(i, account, currency)
        key, value = book_key(account), book_to_bytes(book)
        size += len(key) + len(value)
        producer.produce(changelog, key, value, processor.home_of(account))
        if i % 5000 == 0:
            producer.producer.poll(0)
    producer.flush(300)
    produced = time.perf_counter() - started
    log(f"restore: {args.restore_accounts:,} books ({size / 2**20:,.0f} MiB) in the changelog "
        f"after {produced:.1f} s; restoring {partitions} partitions")  # fmt: skip
    profiles: dict[str, str] = {}
    load = load_average()
    stores = {p: RocksDBStateStore(work / "restore" / f"by-root-{p}") for p in range(partitions)}
    try:
        # a new node's stores start empty: newer service code adopts their books from what the
        # restore read (``rebalance._assign``), a restart's from the store. Both are timed
        # here: the restart first, then (its books revoked) the new node's
        keeps = (
            args.restore_api == "partitions"
            and "kept" in inspect.signature(restore_module.restore_partitions).parameters
        )  # type: ignore[attr-defined, unused-ignore]
        kept: dict[int, dict[bytes, bytes | None]] = {p: {} for p in stores}

        def restore_all() -> int:
            if keeps:
                return int(restore_module.restore_partitions(settings, stores, kept=kept))  # type: ignore[attr-defined, unused-ignore]
            if args.restore_api == "partitions":  # one reader for all (newer service code)
                return int(restore_module.restore_partitions(settings, stores))  # type: ignore[attr-defined, unused-ignore]
            return sum(restore_module.restore_partition(settings, p, s) for p, s in stores.items())

        def adopt_read() -> int:  # the new node's books: from what the restore read
            present = restore_module.present  # type: ignore[attr-defined, unused-ignore]
            return sum(processor.assign(p, present(kept.pop(p))) for p in list(kept))

        # as the service restores (``rebalance._assign``): inside ``bulk_load`` where it has one
        bulk_load = getattr(restore_module, "bulk_load", contextlib.nullcontext)

        def assign_all() -> int:
            return sum(processor.assign(p, s.items()) for p, s in stores.items())

        with bulk_load():
            started = time.perf_counter()
            applied = _profiled(args.profile_restore, profiles, "changelog → store", restore_all)
            restored = time.perf_counter() - started
            log(f"restore: changelog → store {restored:.1f} s; loading the stores")
            gc.collect()
            before = _rss_bytes()
            started = time.perf_counter()
            books = _profiled(args.profile_restore, profiles, "store → memory", assign_all)
            assigned = time.perf_counter() - started
            gc.collect()
            memory = _rss_bytes() - before
            fresh_assigned = 0.0
            if keeps:  # then the new node's turn, in memory the restart's books gave back
                for partition in stores:
                    processor.revoke(partition)
                gc.collect()
                started = time.perf_counter()
                _profiled(args.profile_restore, profiles, "read → memory (new node)", adopt_read)
                fresh_assigned = time.perf_counter() - started
        gc.collect()
        log(f"restore: store → memory {assigned:.1f} s; first flush after assign")
        started = time.perf_counter()
        flush = _profiled(args.profile_restore, profiles, "first flush", processor.flush)
        flushed = time.perf_counter() - started
        flush_records = len(flush.records) + len(flush.changelog)
        del flush
        decoded, decoded_memory = _decode_all(args, profiles, processor)
    finally:
        for store in stores.values():
            store.close()
    grouped = _groups_with_balances(processor, accounts)
    return Restore(args.restore_accounts, partitions, size, produced, restored, applied, assigned,
                   books, memory, flushed, flush_records, f"{load}→{load_average()}",
                   f"restore_{args.restore_api}", profiles, None, grouped, decoded,
                   decoded_memory, fresh_assigned)  # fmt: skip

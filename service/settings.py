"""All configuration, read once from the environment (``CREDIT_*``, ``KAFKA_BOOTSTRAP_SERVERS``)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Topics(BaseModel):
    """Topic names; each is configurable, e.g. ``CREDIT_TOPICS__ORDERS_HELD=erp.held``."""

    orders_created: str = "credit.orders.created"
    invoices_posted: str = "credit.invoices.posted"
    payments_posted: str = "credit.payments.posted"
    orders_cancelled: str = "credit.orders.cancelled"
    holds_decided: str = "credit.holds.decided"
    reference: str = "credit.reference"
    orders_approved: str = "credit.orders.approved"
    orders_held: str = "credit.orders.held"
    orders_rejected: str = "credit.orders.rejected"
    notifications: str = "credit.notifications"
    dead_letter: str = "credit.dead-letter"
    by_root: str = "credit.internal.by-root"
    changelog: str = "credit.internal.changelog"
    reference_snapshot: str = "credit.internal.reference-snapshot"

    def transaction_inputs(self) -> list[str]:
        return [self.orders_created, self.invoices_posted, self.payments_posted,
                self.orders_cancelled, self.holds_decided]  # fmt: skip

    def outputs(self) -> list[str]:
        return [self.orders_approved, self.orders_held, self.orders_rejected, self.notifications,
                self.dead_letter]  # fmt: skip


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CREDIT_", env_nested_delimiter="__", populate_by_name=True
    )

    bootstrap_servers: str = Field(
        "localhost:19092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "CREDIT_BOOTSTRAP_SERVERS"),
    )
    application_id: str = "credit-service"
    instance_id: str = Field(default_factory=socket.gethostname)
    schema_registry_url: str | None = None
    schemas_dir: Path = Path(__file__).resolve().parents[1] / "schemas"
    topics: Topics = Topics()
    by_root_partitions: int = Field(4, ge=1)
    input_partitions: int = Field(4, ge=1)
    replication_factor: int = Field(1, ge=1)
    guarantee: Literal["exactly_once", "at_least_once"] = "exactly_once"
    commit_interval_ms: int = Field(100, ge=1)
    # with no backlog (a read returned less than ``max_batch``), commit sooner: this long after
    # the last commit, and ``quiet_commit_ratio`` times as long as that commit took (0.5: at
    # most two thirds of the time committing; a slow commit is not stretched into a long wait
    # for the next); 0: every interval only
    quiet_commit_ms: int = Field(20, ge=0)
    quiet_commit_ratio: float = Field(0.5, ge=0)
    max_batch: int = Field(2000, ge=1)
    # how long the producer gathers records before it sends: each send of a partition's queue
    # wakes the client's broker thread with a system call (records of a transaction are
    # invisible until it commits, and the commit sends what is left: the less is left, the
    # shorter the commit)
    producer_linger_ms: int = Field(5, ge=0)
    # the producer's first wait before it asks again (``retry.backoff.ms``; doubled up to ten
    # times this, ``retry.backoff.max.ms``). The transaction coordinator answers
    # CONCURRENT_TRANSACTIONS while it completes the last commit, and every ask of
    # ``send_offsets_to_transaction`` holds the loop: with librdkafka's 100 ms (up to 1 s) it
    # was held 356 ms in a traced start-up of a new deployment (221 and 306 ms with 20)
    producer_retry_backoff_ms: int = Field(20, ge=1, le=1000)
    state_dir: Path = Path(".state")
    store: Literal["rocksdb", "memory"] = "rocksdb"
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    log_level: str = "INFO"
    retry_backoff_max_s: float = Field(10.0, gt=0, le=20)
    session_timeout_ms: int = Field(10_000, ge=1000)
    merge_wait_ms: int = Field(500, ge=0)  # how long an input partition with lag holds others
    drain_timeout_ms: int = Field(5000, ge=0)  # inputs wait this long at most after assignment
    # an input event whose root's by-root partition is this instance's is decided where it is
    # read, when nothing there must come before it (``runtime/by_root_progress.py``)
    direct_decisions: bool = True
    # a start that applied this many reference records writes a local snapshot of the table
    reference_snapshot_after: int = Field(10_000, ge=1)
    reference_snapshots: bool = True  # and a start reads the snapshot, then the records after it
    # the engine that decides: the Python reference engine, or the native one (Rust, the same
    # outputs and books: ``service.ledgers``); the reference snapshot is the Python engine's
    engine: Literal["python", "native"] = "python"

    @property
    def transactional_id(self) -> str:
        return f"{self.application_id}-{self.instance_id}"

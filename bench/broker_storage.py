"""Where the broker keeps its logs, for the report's header: its ``log.dirs`` and, when they
are on this machine, their file system.

On this machine's ext4 volume a new deployment's first transaction markers sometimes took the
local broker up to 473 ms to handle (``Produce to local log in 326 ms`` in its ReplicaManager
log, 2026-12-08), and meanwhile its coordinator answered ``CONCURRENT_TRANSACTIONS``: the
latency phase's first seconds stall. With the broker's data on tmpfs
(``KAFKA_DATA_DIR=/dev/shm/...``) they did not. The header says which one a figure had.
"""

from __future__ import annotations

from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType


def file_system(path: str, mounts: str = "/proc/mounts") -> str | None:
    """The type of the file system that holds ``path`` (the longest mount point above it)."""
    try:
        table = Path(mounts).read_text().splitlines()
    except OSError:
        return None
    target = Path(path).resolve()
    best: tuple[int, str] | None = None
    for line in table:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = Path(fields[1].replace("\\040", " "))
        if (target == point or point in target.parents) and (
            best is None or len(point.parts) > best[0]
        ):
            best = (len(point.parts), fields[2])
    return None if best is None else best[1]


def describe(bootstrap_servers: str, timeout: float = 10.0) -> str:
    """``log.dirs`` of the first broker, each with its file system when it is local."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    try:
        brokers = admin.list_topics(timeout=timeout).brokers
        if not brokers:
            return "unknown (no broker in the metadata)"
        resource = ConfigResource(ResourceType.BROKER, str(min(brokers)))
        configs = admin.describe_configs([resource])[resource].result(timeout=timeout)
    except KafkaException as exc:
        return f"unknown ({exc.args[0]})"
    entry = configs.get("log.dirs") or configs.get("log.dir")
    if entry is None or not entry.value:
        return "unknown"
    dirs = []
    for path in entry.value.split(","):
        kind = file_system(path) if Path(path).exists() else None
        dirs.append(f"{path} ({kind})" if kind else f"{path} (not on this machine)")
    return ", ".join(dirs)

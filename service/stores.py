"""State stores for the account books of one by-root partition: in memory, or RocksDB."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import cast

from rocksdict import Options, Rdict, WriteBatch, WriteOptions

from service.errors import CreditServiceError

_OFFSET_KEY = b"\x00changelog-offset"
_FIRST_CHANGE_KEY = _OFFSET_KEY + b"\x00"


class StateStoreError(CreditServiceError):
    """The local store could not be opened or written."""


class InMemoryStateStore:
    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._offset: int | None = None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return iter(sorted(self._data.items()))

    def write(self, changes: Mapping[bytes, bytes | None], changelog_offset: int) -> None:
        for key, value in changes.items():
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value
        self._offset = changelog_offset

    def changelog_offset(self) -> int | None:
        return self._offset

    def close(self) -> None:
        pass


class RocksDBStateStore:
    """A RocksDB directory per partition; the changelog offset is written in the same batch.

    Keys and values are kept as they are (rocksdict's raw mode) in ``<path>/raw``; a store of
    the earlier layout (rocksdict's typed encoding, straight in ``<path>``) is deleted, and the
    partition is restored from its changelog instead. Writes skip RocksDB's write-ahead log, as
    Kafka Streams' stores do: after a crash the store comes back as of its last flushed batch,
    offset included, and restore reads the changelog from there. ``close`` flushes.
    """

    def __init__(self, path: Path) -> None:
        if (path / "CURRENT").exists():  # the earlier layout: restored from the changelog
            self.wipe(path)
        path.mkdir(parents=True, exist_ok=True)
        try:
            self._db = Rdict(str(path / "raw"), Options(raw_mode=True))
            unlogged = WriteOptions()
            unlogged.disable_wal = True  # type: ignore[method-assign, assignment]  # a property; its stub says method
            self._db.set_write_options(unlogged)
        except Exception as exc:  # rocksdict raises bare exceptions
            raise StateStoreError(f"cannot open state store {path}: {exc}") from exc
        self.path = path

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        # the processor's keys are printable (books, watermark, hand-over bookkeeping), so
        # the offset's key, which starts with NUL, comes first and is stepped over
        return cast(Iterator[tuple[bytes, bytes]], self._db.items(from_key=_FIRST_CHANGE_KEY))

    def write(self, changes: Mapping[bytes, bytes | None], changelog_offset: int) -> None:
        batch = WriteBatch(raw_mode=True)
        for key, value in changes.items():
            if value is None:
                batch.delete(key)
            else:
                batch.put(key, value)
        batch.put(_OFFSET_KEY, changelog_offset.to_bytes(8, "big"))
        try:
            self._db.write(batch)
        except Exception as exc:
            raise StateStoreError(f"cannot write state store {self.path}: {exc}") from exc

    def changelog_offset(self) -> int | None:
        raw = self._db.get(_OFFSET_KEY)
        return None if raw is None else int.from_bytes(raw, "big")

    def close(self) -> None:
        try:
            self._db.flush()
        finally:
            self._db.close()

    @staticmethod
    def wipe(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

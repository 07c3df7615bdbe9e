"""State stores for the account books of one by-root partition: in memory, or RocksDB."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import cast

from rocksdict import Rdict, WriteBatch

from service.errors import CreditServiceError

_OFFSET_KEY = b"\x00changelog-offset"


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
    """A RocksDB directory per partition; the changelog offset is written in the same batch."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        try:
            self._db = Rdict(str(path))
        except Exception as exc:  # rocksdict raises bare exceptions
            raise StateStoreError(f"cannot open state store {path}: {exc}") from exc
        self.path = path

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        for key, value in self._db.items():
            if key != _OFFSET_KEY:
                yield cast(bytes, key), cast(bytes, value)

    def write(self, changes: Mapping[bytes, bytes | None], changelog_offset: int) -> None:
        batch = WriteBatch(raw_mode=False)
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
        self._db.close()

    @staticmethod
    def wipe(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

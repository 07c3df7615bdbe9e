"""The RocksDB state store: bytes as they are, the offset in the same batch, the old layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rocksdict import Rdict

from service.stores import RocksDBStateStore


def test_changes_and_their_offset_survive_a_reopen(tmp_path: Path) -> None:
    store = RocksDBStateStore(tmp_path / "by-root-0")
    store.write({b"b\x1fC1\x1fA": b"\x03one", b"w": b"7"}, 41)
    store.write({b"b\x1fC1\x1fA": b"\x03two", b"b\x1fC1\x1fB": b"\x03b", b"w": None}, 42)
    store.close()  # flushes: writes skip the write-ahead log
    reopened = RocksDBStateStore(tmp_path / "by-root-0")
    assert list(reopened.items()) == [(b"b\x1fC1\x1fA", b"\x03two"), (b"b\x1fC1\x1fB", b"\x03b")]
    assert reopened.changelog_offset() == 42
    reopened.close()


def test_keys_and_values_are_kept_as_they_are(tmp_path: Path) -> None:
    store = RocksDBStateStore(tmp_path / "p")
    store.write({b"k": b"v"}, 0)
    store.close()
    raw = Rdict(str(tmp_path / "p" / "raw"))  # opened as another RocksDB client would
    assert raw[b"k"] == b"v"
    raw.close()


def test_a_store_of_the_earlier_layout_is_dropped_for_the_changelog(tmp_path: Path) -> None:
    old = Rdict(str(tmp_path / "by-root-3"))  # rocksdict's typed encoding, straight in the dir
    old[b"b\x1fC1\x1fA"] = b"\x03old"
    old.close()
    store = RocksDBStateStore(tmp_path / "by-root-3")
    assert list(store.items()) == []
    assert store.changelog_offset() is None  # so restore reads the changelog from its start
    store.close()


def test_a_crash_leaves_the_store_as_of_a_batch_with_its_offset(tmp_path: Path) -> None:
    """No write-ahead log: a process killed after its last flush loses the batches since,
    their offset with them, so restore reads the changelog from the flushed offset."""
    crash = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from service.stores import RocksDBStateStore\n"
        "store = RocksDBStateStore(Path(sys.argv[1]))\n"
        "store.write({b'a': b'1'}, 10)\n"
        "store._db.flush()\n"
        "store.write({b'a': b'2', b'b': b'2'}, 11)\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(tmp_path / "p")], check=True)
    store = RocksDBStateStore(tmp_path / "p")
    assert (list(store.items()), store.changelog_offset()) == ([(b"a", b"1")], 10)
    store.close()

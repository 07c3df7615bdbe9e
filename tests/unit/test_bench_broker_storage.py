"""The bench report's "broker logs" line: which file system holds a local broker's log dirs."""

from __future__ import annotations

from pathlib import Path

from bench.broker_storage import file_system

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
proc /proc proc rw,nosuid,nodev,noexec 0 0
/dev/vdb /data/my\\040disk xfs rw 0 0
"""


def test_the_longest_mount_point_above_a_path_names_its_file_system(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    assert file_system("/dev/shm/kafka/data", str(mounts)) == "tmpfs"
    assert file_system("/dev/shm", str(mounts)) == "tmpfs"
    assert file_system("/dev/shmem/data", str(mounts)) == "ext4"  # a prefix, not a parent
    assert file_system("/work/main/.kafka/data", str(mounts)) == "ext4"
    assert file_system("/data/my disk/logs", str(mounts)) == "xfs"  # octal-escaped space


def test_an_unreadable_mount_table_says_nothing(tmp_path: Path) -> None:
    assert file_system("/dev/shm", str(tmp_path / "missing")) is None

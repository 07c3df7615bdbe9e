"""The domain is pure: it imports no I/O library and never reads the clock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "service" / "domain"
FORBIDDEN = ("confluent_kafka", "prometheus_client", "structlog", "rocksdict", "fastavro",
             "typer", "tqdm", "rich")  # fmt: skip
ALLOWED_SERVICE = ("service", "service.domain", "service.errors")


def test_the_domain_imports_no_io_module() -> None:
    stems = [p.stem for p in DOMAIN.glob("*.py") if p.stem != "__init__"]
    modules = sorted(f"service.domain.{stem}" for stem in stems)
    probe = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}"
        + " or (m.startswith('service') and not m.startswith('service.domain.')"
        + f" and m not in {ALLOWED_SERVICE!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()  # fmt: skip
    assert loaded == "[]"
    assert len(modules) >= 8


def test_the_domain_never_reads_the_clock() -> None:
    clock = re.compile(r"\.now\(|\.today\(|time\.time\(|monotonic\(|utcnow\(")
    offenders = [p.name for p in DOMAIN.glob("*.py") if clock.search(p.read_text())]
    assert offenders == []


NATIVE = DOMAIN.parents[1] / "native"
# what would let the native engine reach outside: files, sockets, processes, the clock
NATIVE_FORBIDDEN = re.compile(
    r"std::(fs|net|process|time|env|io)\b|use std::\{[^}]*\b(fs|net|process|time|env|io)\b"
    r"|SystemTime|Instant::now|println!|eprintln!"
)


def test_the_native_engine_does_no_io_and_never_reads_the_clock() -> None:
    """The Rust crates' code (their tests may read case files) reaches no file, socket,
    process, environment or clock; only the engine's Python edge (``engine/src/lib.rs``, the
    event it hands Python, ``engine/src/py_event.rs``, the runs of records it takes at once,
    ``engine/src/direct.rs``, and the event-time merge's release, ``engine/src/merge_release.rs``)
    touches Python."""
    sources = [
        path
        for path in NATIVE.glob("*/src/**/*.rs")
        if "tests" not in path.relative_to(NATIVE).parts[2:]
    ]
    offenders = [str(path) for path in sources if NATIVE_FORBIDDEN.search(_code(path))]
    assert offenders == []
    python_edge = [p for p in sources if "pyo3" in p.read_text()]
    edge = sorted(p.relative_to(NATIVE).as_posix() for p in python_edge)
    assert edge == ["engine/src/direct.rs", "engine/src/lib.rs", "engine/src/merge_release.rs",
                    "engine/src/py_event.rs"]  # fmt: skip
    assert len(sources) >= 20


def _code(path: Path) -> str:
    """The source without its ``#[cfg(test)]`` module (test code may read case files)."""
    text = path.read_text()
    cut = text.find("#[cfg(test)]")
    return text if cut == -1 else text[:cut]

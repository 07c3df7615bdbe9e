"""The credit engine in Rust (``native/engine``): see ``service/native.py``."""

class InvalidEvent(Exception):
    """An event the engine refused (the Python engine's ``InvalidEventError``)."""

class NativeEngine:
    """Every balance and rule of ``service.domain.engine.CreditEngine``."""

    def __init__(self) -> None: ...
    def handle_json(self, line: bytes) -> bytes | None:
        """The outputs of one input line as JSON lines; ``None`` if the line is not canonical."""
    @staticmethod
    def not_canonical(line: bytes) -> str | None:
        """Why a line is not canonical, or ``None`` if it is."""
    def account_count(self) -> int:
        """How many account books the engine holds."""
    def memory_breakdown(self) -> list[tuple[str, int]]:
        """Bytes the engine holds, by part (capacities as allocated: an estimate)."""
    def held_count(self) -> int:
        """How many orders are held for a credit analyst."""

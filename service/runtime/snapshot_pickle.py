"""The pickle of a reference snapshot: what may be in it, written and read back.

A snapshot may come from Kafka, where whoever can write the snapshot topic can put anything.
So reading one builds the classes the reference state is made of (``STATE_CLASSES``) and a few
standard-library types, nothing else, and:
- never hands the stream a class whose attributes can be set (ours, pydantic's ``TzInfo``), so
  BUILD cannot replace a method of a class: it gets a stand-in that builds instances. A class
  built from arguments (a state class from its fields, ``TzInfo`` from its offset) gets a fresh
  ``functools.partial`` of it (made in C, fast to call; BUILD on it can only point it at another
  callable the stream already has, and it is gone with the load); a state class built blank
  gets ``_Maker``, immutable;
- calls a class with arguments only if it is built from its fields (a dataclass, a named
  tuple), as the writer does: no ``__init__`` of another class runs on a stream's arguments;
- refuses every other name: no function is called, no module imported but ours.
The writer emits the same classes only (any other in the state is an error at writing time),
so the two stay in step; ``reference_snapshot.apply`` then checks the shape of what was built.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import pickle
from typing import Any

from service.errors import CreditServiceError

STATE_CLASSES = {
    "service.domain.reference": {
        "ReferenceBook", "CompanySettings", "CustomerProfile", "CustomerTerms",
        "CustomerControls", "GroupSettings", "WarehouseSettings",
    },
    "service.domain.interning": {"DigestSet"},
    "service.domain.money": {"ExchangeRates", "_RateHistory"},
    "service.domain.group_totals": {"GroupTotals"},
    "service.domain.outputs": {"CreditNotification", "Recipient"},
    "service.handover": {"Handover"},
    "service.ledgers": {"NativeOutput"},
}  # fmt: skip
_STDLIB = {
    "array": {"array", "_array_reconstructor"}, "collections": {"deque"},
    "datetime": {"date", "datetime", "time", "timedelta", "timezone"}, "decimal": {"Decimal"},
    "pydantic_core._pydantic_core": {"TzInfo"}, "builtins": {"set", "frozenset"},
}  # fmt: skip
_IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: no attribute of the class can be set


class StatePickleError(CreditServiceError):
    """The state holds an object a snapshot may not carry."""


def dump(state: Any) -> bytes:
    out = io.BytesIO()
    _StatePickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return out.getvalue()


def load(body: bytes) -> Any:
    return _StateUnpickler(io.BytesIO(body)).load()


def _allowed(kind: type) -> bool:
    return kind.__name__ in STATE_CLASSES.get(kind.__module__, ())


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(kind: type) -> tuple[str, ...] | None:
    """The fields a state class is built from: a named tuple's, or a dataclass's when
    ``__init__`` takes them all. ``None``: not built from its fields."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = _FIELDS[kind] = _by_fields(kind)
        return names


def _by_fields(kind: type) -> tuple[str, ...] | None:
    if not _allowed(kind):
        return None
    if issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return tuple(kind._fields)
    if not dataclasses.is_dataclass(kind):
        return None
    fields = dataclasses.fields(kind)
    return tuple(f.name for f in fields) if all(f.init for f in fields) else None


class _StatePickler(pickle.Pickler):
    """State classes as ``(class, fields)`` or ``(class, (), state)``, which the stand-ins
    rebuild (also cheaper: the default for slotted dataclasses goes through
    ``dataclasses.fields`` for every object, about 30 us a customer profile). Standard-library
    values as pickle does them; any other object of ours is refused."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        names = _fields_of(kind)
        if names is not None:
            return kind, tuple(obj) if isinstance(obj, tuple) else tuple(
                getattr(obj, name) for name in names)  # fmt: skip
        if _allowed(kind):
            return kind, (), obj.__getstate__()
        if kind.__module__.startswith("service."):
            raise StatePickleError(f"a reference snapshot may not hold a {kind.__qualname__}")
        return NotImplemented


class _Maker(tuple[type]):
    """Stands in the stream for a state class built blank: calling it makes an instance for
    BUILD to fill. A tuple with no ``__dict__``: BUILD cannot change it either."""

    __slots__ = ()

    def __call__(self, *fields: Any) -> Any:
        kind: Any = self[0]
        if fields:  # the writer passes no arguments to these classes
            raise pickle.UnpicklingError(f"{kind.__qualname__} is not built from arguments")
        return kind.__new__(kind)


class _StateUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in _STDLIB.get(module, ()) or name in STATE_CLASSES.get(module, ()):
            found = super().find_class(module, name)
            if not isinstance(found, type):
                if (module, name) == ("array", "_array_reconstructor"):
                    return found  # a built-in function: nothing of it can be set
            elif found.__module__ == module:  # defined there, not imported from elsewhere
                if found.__flags__ & _IMMUTABLE_TYPE:
                    return found
                if _allowed(found) and _fields_of(found) is None:
                    return _Maker((found,))
                return functools.partial(found)  # one per name and load (see above)
        raise pickle.UnpicklingError(f"a reference snapshot may not name {module}.{name}")

"""Exact money: integer minor units per currency, and dated exchange rates.

Every balance the engine keeps is an ``int`` of minor units (cents, yen, fils) of a named
currency. Decimals enter and leave only at the edges of the domain (events in, figures out).
Conversions round half-to-even to the target currency's minor units, once per converted sum.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

# ISO 4217 exponents that differ from the usual two decimals.
_MINOR_DIGITS: dict[str, int] = {
    "BHD": 3, "BIF": 0, "CLF": 4, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3,
    "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3,
    "UGX": 0, "UYI": 0, "UYW": 4, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip
_SCALE: dict[int, int] = {digits: 10**digits for digits in range(5)}
# 10 ** minor digits of the currencies above (the others: 100)
_CURRENCY_SCALE: dict[str, int] = {ccy: _SCALE[digits] for ccy, digits in _MINOR_DIGITS.items()}
# 10 ** (target digits - source digits), exact, for every pair of exponents above
_SHIFT: dict[int, Decimal] = {shift: Decimal(10) ** shift for shift in range(-4, 5)}


class AmountPrecisionError(ValueError):
    """An amount carries more decimals than its currency has minor units."""


def minor_digits(currency: str) -> int:
    """How many decimals the currency has (2 unless ISO 4217 says otherwise)."""
    return _MINOR_DIGITS.get(currency, 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal('12.30')`` in EUR → ``1230``. Refuses to round."""
    scaled = amount * _CURRENCY_SCALE.get(currency, 100)
    as_int = int(scaled)
    if as_int != scaled:
        raise AmountPrecisionError(
            f"{amount} {currency} has more than {minor_digits(currency)} decimals"
        )
    return as_int


def to_decimal(minor: int, currency: str) -> Decimal:
    """``1230`` in EUR → ``Decimal('12.30')``."""
    return Decimal(minor).scaleb(-_MINOR_DIGITS.get(currency, 2))


def floor_minor(value: Decimal) -> int:
    """Largest whole number of minor units not above ``value``.

    Sums of money are whole minor units, so ``total > limit`` is the same test as
    ``total > floor(limit)``: flooring a tolerance-raised limit keeps comparisons exact.
    """
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


def raise_by_pct(limit_minor: int, pct: Decimal | None) -> int:
    """A credit limit raised by a tolerance percentage, floored to minor units.

    ``floor(limit × (1 + pct / 100))`` in the decimal context, worked out in integers where
    the product is exact there (at most 28 digits, the context's precision): the factor is
    ``coefficient × 10 ** exponent``, kept per percentage."""
    if not pct:
        return limit_minor
    factor = _TOLERANCE_FACTORS.get(pct)
    if factor is None:
        factor = _tolerance_factor(pct)
    coefficient, divisor = factor
    product = limit_minor * coefficient
    if -_EXACT < product < _EXACT:
        return product // divisor  # floor, as ROUND_FLOOR
    return floor_minor(Decimal(limit_minor) * (1 + pct / 100))


_EXACT = 10**28  # a product of fewer digits is exact in the default decimal context
_TOLERANCE_FACTORS: dict[Decimal, tuple[int, int]] = {}


def _tolerance_factor(pct: Decimal) -> tuple[int, int]:
    """``1 + pct / 100`` as ``(coefficient × 10 ** max(exponent, 0), 10 ** -min(exponent, 0))``."""
    sign, digits, exponent = (1 + pct / 100).as_tuple()
    assert isinstance(exponent, int)  # a tolerance is finite
    coefficient = int("".join(map(str, digits))) * (-1 if sign else 1)
    factor = (coefficient * 10**exponent, 1) if exponent >= 0 else (coefficient, 10**-exponent)
    if len(_TOLERANCE_FACTORS) < 1024:  # tolerances are few; bounded all the same
        _TOLERANCE_FACTORS[pct] = factor
    return factor


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def in_utc(instant: datetime) -> datetime:
    """The same instant with the ``UTC`` tzinfo: datetimes of one tzinfo object compare
    field by field, others call ``utcoffset()`` on both sides of every comparison."""
    return instant if instant.tzinfo is UTC else instant.astimezone(UTC)


def utc_day(instant: datetime) -> date:
    """The UTC calendar day of an aware instant (an order's business day), without building
    the UTC datetime: its own date unless it carries a non-zero offset."""
    zone = instant.tzinfo
    if zone is UTC:
        return instant.date()
    offset = None if zone is None else zone.utcoffset(instant)
    if offset is None:
        return instant.astimezone(UTC).date()
    return (instant - offset).date() if offset else instant.date()


@dataclass(slots=True)
class _RateHistory:
    valid_from: list[datetime] = field(default_factory=list)  # as received
    rates: list[Decimal] = field(default_factory=list)
    set_at: list[datetime] = field(default_factory=list)
    keys: list[datetime] = field(default_factory=list)  # ``valid_from`` in UTC, searched

    def put(self, valid_from: datetime, rate: Decimal, set_at: datetime) -> bool:
        """Record a rate; an older record for the same ``valid_from`` is ignored."""
        key = in_utc(valid_from)
        at = bisect.bisect_left(self.keys, key)
        if at < len(self.keys) and self.keys[at] == key:
            if set_at < self.set_at[at]:
                return False
            self.rates[at], self.set_at[at] = rate, set_at
            return True
        self.valid_from.insert(at, valid_from)
        self.keys.insert(at, key)
        self.rates.insert(at, rate)
        self.set_at.insert(at, set_at)
        return True

    def at(self, instant: datetime) -> Decimal | None:
        at = bisect.bisect_right(self.keys, in_utc(instant))
        return self.rates[at - 1] if at else None


class ExchangeRates:
    """Dated rates: ``amount_to = amount_from × rate`` from ``valid_from`` on.

    Where only the reverse pair is known, its inverse is used. No rate is ``None``, never 1:1.
    A conversion reuses the factor of the pair's last conversion while the instant stays in
    the span that factor holds for (most orders fall in the span of the one before).
    """

    __slots__ = ("_factors", "_pairs")

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str], _RateHistory] = {}
        # pair → (from, until, rate × 10 ** shift of minor digits or None): UTC instants
        self._factors: dict[tuple[str, str], tuple[datetime, datetime, Decimal | None]] = {}

    def set_rate(
        self, from_ccy: str, to_ccy: str, rate: Decimal, valid_from: datetime, set_at: datetime
    ) -> bool:
        """Newest ``set_at`` wins for the same pair and ``valid_from``; returns if applied."""
        self._factors.clear()
        return self._pairs.setdefault((from_ccy, to_ccy), _RateHistory()).put(
            valid_from, rate, set_at
        )

    def rate(self, from_ccy: str, to_ccy: str, instant: datetime) -> Decimal | None:
        if from_ccy == to_ccy:
            return Decimal(1)
        direct = self._pairs.get((from_ccy, to_ccy))
        if direct is not None:
            found = direct.at(instant)
            if found is not None:
                return found
        reverse = self._pairs.get((to_ccy, from_ccy))
        if reverse is not None:
            found = reverse.at(instant)
            if found is not None:
                return 1 / found
        return None

    def convert(self, minor: int, from_ccy: str, to_ccy: str, instant: datetime) -> int | None:
        """Minor units of ``from_ccy`` in minor units of ``to_ccy``; ``None`` with no rate.

        ``minor × rate`` is rounded to the context's precision, then half-even to a whole
        number of minor units: scaling the rate by a power of ten first changes neither."""
        if from_ccy == to_ccy:
            return minor
        instant = in_utc(instant)
        pair = (from_ccy, to_ccy)
        span = self._factors.get(pair)
        if span is None or not span[0] <= instant < span[1]:
            span = self._factors[pair] = self._span(pair, instant)
        factor = span[2]
        return None if factor is None else round(Decimal(minor) * factor)

    def _span(
        self, pair: tuple[str, str], instant: datetime
    ) -> tuple[datetime, datetime, Decimal | None]:
        """The pair's factor at ``instant`` (UTC) and the span of instants it holds for: from
        the latest rate change of either direction at or before it to the next one after."""
        start, end = _EARLIEST, _LATEST
        for history in (self._pairs.get(pair), self._pairs.get((pair[1], pair[0]))):
            if history is not None:
                at = bisect.bisect_right(history.keys, instant)
                start = max(start, history.keys[at - 1]) if at else start
                end = min(end, history.keys[at]) if at < len(history.keys) else end
        rate = self.rate(pair[0], pair[1], instant)
        shift = _MINOR_DIGITS.get(pair[1], 2) - _MINOR_DIGITS.get(pair[0], 2)
        return start, end, None if rate is None else rate * _SHIFT[shift]

    def snapshot(self) -> list[tuple[str, str, str, str]]:
        """Every known rate as ``(from, to, valid_from ISO, rate)``, sorted."""
        return sorted(
            (pair[0], pair[1], when.isoformat(), str(rate))
            for pair, history in self._pairs.items()
            for when, rate in zip(history.valid_from, history.rates, strict=True)
        )

"""Expected values for `credit_money`, from the Python reference (`service/domain/money.py`).

Run from the worktree root (writes `native/money/tests/cases.txt`):

    .venv/bin/python native/money/tests/gen_cases.py

(`gen_cases.py SCALE SEED` writes SCALE times as many random cases with another seed: for a
longer run, then write the usual file again.)

Line formats (decimals as Python's `str(Decimal)`, so the exact representation):

    raise <limit> <pct> <expected>                 raise_by_pct(limit, pct)
    convert <minor> <from> <to> <pair_from> <pair_to> <rate> <expected>
        one rate set for (pair_from, pair_to) at valid_from 2026-01-01T00:00Z; then
        convert(minor, from, to) at 2026-06-01T00:00Z; expected "None" when Python gives None
    inverse <rate> <sign> <coefficient> <exponent>  (1 / rate).as_tuple(), as rate() gives it

Expected integers outside i128 are written clamped to i128 (the Rust side saturates).
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from decimal import Decimal, getcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from service.domain.money import ExchangeRates, raise_by_pct  # noqa: E402

I128_MAX = 2**127 - 1
I128_MIN = -(2**127)
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, tzinfo=UTC)
CURRENCIES = ["EUR", "USD", "JPY", "KWD", "CLF", "GBP", "BHD", "KRW"]

SCALE = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 20260301)
out: list[str] = []


def clamp(value: int) -> int:
    return max(I128_MIN, min(I128_MAX, value))


def random_int(max_digits: int, negative_share: float = 0.2) -> int:
    digits = rng.randint(1, max_digits)
    value = rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10**digits)
    return -value if rng.random() < negative_share else value


def random_decimal(max_digits: int, exponents: tuple[int, int], negative_share: float) -> Decimal:
    digits = rng.randint(1, max_digits)
    coefficient = rng.randrange(10 ** (digits - 1) if digits > 1 else 1, 10**digits)
    if rng.random() < 0.3:  # trailing zeros: representation must not matter
        coefficient *= 10 ** rng.randint(1, 3)
        coefficient = min(coefficient, 10**38 - 1)
    sign = "-" if rng.random() < negative_share else ""
    return Decimal(f"{sign}{coefficient}E{rng.randint(*exponents)}")


def raise_case(limit: int, pct: Decimal) -> None:
    out.append(f"raise {limit} {pct} {clamp(raise_by_pct(limit, pct))}")


def convert_case(minor: int, src: str, dst: str, pair: tuple[str, str], rate: Decimal) -> None:
    rates = ExchangeRates()
    rates.set_rate(pair[0], pair[1], rate, VALID_FROM, VALID_FROM)
    got = rates.convert(minor, src, dst, AT)
    expected = "None" if got is None else str(clamp(got))
    out.append(f"convert {minor} {src} {dst} {pair[0]} {pair[1]} {rate} {expected}")


def inverse_case(rate: Decimal) -> None:
    sign, digits, exponent = (1 / rate).as_tuple()
    coefficient = int("".join(map(str, digits)))
    out.append(f"inverse {rate} {sign} {coefficient} {exponent}")


def main() -> None:
    assert getcontext().prec == 28
    # -- raise_by_pct: typical tolerances, then random ones, on limits up to 38 digits
    for pct in ["5", "2.5", "0.001", "33.3333333333333333333333333333", "10", "0.5", "100"]:
        for limit in [1, 7, 99, 100000, 123456789, 10**27, 10**27 + 1, 3 * 10**29 + 7]:
            raise_case(limit, Decimal(pct))
            raise_case(-limit, Decimal(pct))
    # ties at 28 digits: in 1 + pct / 100, in pct / 100 itself, and in the product
    for pct in ["5E-26", "1.5E-25", "-5E-26", "2.5E-25", "1.0000000000000000000000000005",
                "1.0000000000000000000000000015", "0.00000000000000000000000000050"]:
        for limit in [10**27, 10**28 - 1, 123456789]:
            raise_case(limit, Decimal(pct))
    for limit in [10**28 + 50, 10**28 + 150, 10**29 + 500, -(10**28 + 50), -(10**28 + 150)]:
        raise_case(limit, Decimal("10"))
    for _ in range(400 * SCALE):
        limit = random_int(rng.choice([6, 12, 20, 28, 32, 38]))
        pct = random_decimal(rng.choice([2, 5, 28, 38]), (-40, 3), negative_share=0.05)
        raise_case(limit, pct)
    # -- convert along and against a pair
    for _ in range(400 * SCALE):
        src, dst = rng.sample(CURRENCIES, 2)
        pair = (src, dst) if rng.random() < 0.5 else (dst, src)
        rate = random_decimal(rng.choice([3, 6, 28, 30, 38]), (-12, 2), negative_share=0.0)
        minor = random_int(rng.choice([4, 9, 18, 30]))
        convert_case(minor, src, dst, pair, rate)
    # -- products that land exactly on half a minor unit (half-even decides)
    for rate, minors in [("1.5", [1, 3, 5, -1, -3]), ("0.005", [100, 300, 500, -300])]:
        for minor in minors:
            convert_case(minor, "EUR", "USD", ("EUR", "USD"), Decimal(rate))
            convert_case(minor, "JPY", "EUR", ("JPY", "EUR"), Decimal(rate))
    for minor in [2 * 10**27 + 1, 2 * 10**27 + 3, -(2 * 10**27 + 3), 2 * 10**37 + 3]:
        convert_case(minor, "EUR", "USD", ("EUR", "USD"), Decimal(5))
    # -- products whose 28-digit rounding lands on .5 although the exact product does not
    found = 0
    while found < 12:
        minor = random_int(15, negative_share=0.3)
        target = Decimal(rng.randrange(1, 10**12)) + Decimal("0.5")
        target = -target if minor < 0 else target  # a positive rate
        nudge = Decimal(rng.choice([-1, 1])) * Decimal(10) ** (target.adjusted() - 29)
        factor = (target + nudge) / minor  # rounded to 28 digits
        product = Decimal(minor) * factor  # rounded to 28 digits
        wide = getcontext().copy()
        wide.prec = 100
        exact = wide.multiply(Decimal(minor), factor)
        twice = product * 2
        if twice == twice.to_integral_value() and twice % 2 != 0 and exact != product:
            convert_case(minor, "EUR", "USD", ("EUR", "USD"), factor)
            found += 1
    # -- inverses: rate() of the reverse pair, with Python's representation
    for rate in ["1.08", "0.5", "4", "2.50", "1E-3", "8", "3", "7.5", "0.0001", "1.25E+2"]:
        inverse_case(Decimal(rate))
    for _ in range(100 * SCALE):
        inverse_case(random_decimal(rng.choice([2, 6, 28, 38]), (-30, 10), negative_share=0.1))
    target = Path(__file__).with_name("cases.txt")
    target.write_text("# generated by gen_cases.py; do not edit\n" + "\n".join(out) + "\n")
    print(f"{len(out)} cases -> {target}")


if __name__ == "__main__":
    main()

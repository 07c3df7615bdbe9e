"""Differential cases for `credit_text::parse_event`: input lines and what pydantic makes of them.

Run from the repository root with the project's venv:

    .venv/bin/python native/text/tests/gen_pydantic_cases.py

It writes `native/text/tests/pydantic_cases.jsonl.gz` (gzip), one JSON object a line:
  {"line": <the input line>} or {"hex": <its bytes in hex>} when not valid UTF-8,
  "ok": whether `INPUT_EVENT.validate_json(bytes)` accepts it,
  "event": the validated event, normalised (below; fields that are None left out), when ok,
  "base": true for the unmutated lines (examples/events.jsonl and loadgen output).
Normalised values: Decimal -> [negative, "coefficient digits", exponent]; date -> ordinal;
datetime -> [utc microseconds since 1970, utc offset seconds]; tuples -> lists; and
exchange_rate_set's `valid_from` -> its `valid_from_instant`.

Lines: the valid ones, then each field of one event of each type (and a full customer and
group) replaced by values from pools of right and wrong forms, then random mutations of random
base lines (types, missing and extra fields, duplicates, escapes, whitespace, garbage).
Seeded: the same run gives the same file.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from service.domain import events as event_models
from service.domain.events import INPUT_EVENT, ExchangeRateSet
from service.loadgen import LoadConfig, generate

HERE = Path(__file__).resolve().parent
OUT = HERE / "pydantic_cases.jsonl.gz"
EXAMPLES = HERE.parents[2] / "examples" / "events.jsonl"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Pair = tuple[str, str]  # (key as JSON text, value as JSON text)


def j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def norm(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, Decimal):
        t = value.as_tuple()
        return [t.sign == 1, "".join(map(str, t.digits)), t.exponent]
    if isinstance(value, datetime):
        offset = value.utcoffset()
        assert offset is not None
        return [(value - EPOCH) // timedelta(microseconds=1), int(offset.total_seconds())]
    if isinstance(value, date):
        return value.toordinal()
    if isinstance(value, (tuple, list)):
        return [norm(item) for item in value]
    raise TypeError(type(value))


def verdict(raw: bytes) -> tuple[bool, Any]:
    try:
        event = INPUT_EVENT.validate_json(raw)
    except ValidationError:
        return False, None
    return True, normalised(event)


def normalised(event: Any) -> dict[str, Any]:
    """A validated event's fields, normalised (``norm``), None fields left out, and an exchange
    rate's ``valid_from`` as its ``valid_from_instant`` (the Avro cases read this too)."""
    out = {name: norm(getattr(event, name)) for name in type(event).model_fields}
    out = {name: value for name, value in out.items() if value is not None}
    if isinstance(event, ExchangeRateSet):
        out["valid_from"] = norm(event.valid_from_instant)
    return out


def render(pairs: list[Pair]) -> str:
    return "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"


def to_pairs(event: dict[str, Any]) -> list[Pair]:
    return [(j(k), j(v)) for k, v in event.items()]


# -- value pools (JSON text) ----------------------------------------------------------------

GENERIC = ["null", "0", "1", "-1", "1.5", "true", "false", '""', '"x"', "[]", "{}", "[1]", '{"a":1}']
STRINGS = [
    '"x"', '"é"', '"\\u00e9"', '"😀"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00"',
    '"\\ud83d\\u0041"', '"\\u0000"', '"a\\nb"', '"tab\\there"', '"\\/"', '"\\""', '"\\\\"',
    '"\\x"', '"\x01"', '"\x7f"', '"  "', '"a' + "b" * 300 + '"', '"\\u00"', '"\\U00e9"',
    '"\udcff"', '"\udcc3\udca9"', '"ab\udce9"', '"\u2028"', '"\\u002F"',
]
CCY = ['"EUR"', '"USD"', '"JPY"', '"eur"', '"EURO"', '"EU"', '"E1R"', '"ÉUR"', '"\\u0045UR"',
       '"XXX"', '"EUR\\n"', '"EUR "', '"ＥUR"', '""']
DECIMALS = [
    '"0"', '"0.00"', '"007.50"', '"1"', '"1.5"', '"1e5"', '"1E+5"', '"1E-5"', '"1.5E-3"',
    '"0E-5"', '"0e5"', '"1E+0000005"', '"12345.678"', '"0.001"', '"8000.00"', '"00"',
    '"' + "1" * 39 + '"', '"' + "9" * 39 + '"', '"340282366920938463463374607431768211455"',
    '"340282366920938463463374607431768211456"', '"0.' + "0" * 38 + '1"', '"-1"', '"-0"',
    '"+1"', '" 1"', '"1 "', '"1_000"', '".5"', '"5."', '"NaN"', '"nan"', '"Infinity"',
    '"-Infinity"', '"inf"', '"sNaN"', '"1e"', '"1E+"', '"0x10"', '"１"', '"1e999999"',
    '"1e1000000"', '"1E+999999999"', '"1E-999999999"', '"1.2.3"', '""', "5", "5.0", "0",
    "1e5", '"\\u0031"', '"1,5"', '"1e+-5"', '"1e5.5"', '"e5"', '"1E5 "', '"\\t1"',
]
DATES = [
    '"2026-03-01"', '"2024-02-29"', '"2026-02-29"', '"1900-02-29"', '"2000-02-29"',
    '"2026-13-01"', '"2026-00-10"', '"2026-04-31"', '"2026-04-30"', '"0000-01-01"',
    '"0001-01-01"', '"9999-12-31"', '"2026-3-1"', '"2026-03-01T00:00:00"',
    '"2026-03-01T00:00:00Z"', '"2026-03-01T10:00:00Z"', '"20260301"', '"2026-03-01 "',
    '" 2026-03-01"', "19000", "1700000000", '"1700000000"', '"2026-W09-1"', '"2026-060"',
    '"2026/03/01"', '"\\u0032026-03-01"', '"2026-03-01Z"', '"+2026-03-01"', '"12026-03-01"',
    '"2026-03-00"', '"2026-12-31"', '"2026-03-1a"',
]
INSTANTS = [
    '"2026-03-02T07:00:00Z"', '"2026-03-02T24:00:00Z"', '"2026-03-02T23:59:60Z"',
    '"2026-03-02T23:59:59Z"', '"2026-03-02T07:00:00"', '"2026-03-02T07:00:00+24:00"',
    '"2026-03-02T07:00:00+23:59"', '"2026-03-02T07:00:00-23:59"', '"2026-03-02T07:00:00-00:00"',
    '"2026-03-02T07:00:00+00:00"', '"2026-03-02T07:00:00.1234567Z"', '"2026-03-02T07:00:00.Z"',
    '"2026-03-02t07:00:00Z"', '"2026-03-02T07:00:00z"', '"2026-03-02 07:00:00Z"',
    '"2026-03-02T07:00Z"', '"2026-03-02T07:00:00+0100"', '"2026-03-02T07:00:00+01"',
    '"0001-01-01T00:00:00+01:00"', '"0001-01-01T00:00:00Z"', '"0001-01-01T00:00:00-01:00"',
    '"9999-12-31T23:59:59-01:00"', '"9999-12-31T23:59:59.999999Z"', '"9999-12-31T23:59:59+01:00"',
    '"2026-02-29T07:00:00Z"', '"2024-02-29T07:00:00Z"', '"2026-03-02T07:00:00,5Z"',
    "1700000000", '"1700000000"', '"2026-03-02T07:00:00+01:00:30"', '"2026-03-02T07:00:00+00:60"',
    '"2026-03-02T07:00:00.000000Z"', '"2026-03-02T07:00:00.5Z"', '"2026-03-02T07:00:00.123456+05:30"',
    '"2026-03-02T07:00:00.000001-09:30"', '"2026-03-02"', '"2026-03-01T00:00:00+01:00"',
    '"2026-03-01T00:00:00-05:00"', '"2026-03-02T07:00:00 Z"', '"2026-03-02T07:00:00Z "',
    '"2026-03-02T7:00:00Z"', '"2026-03-02T07:00:00UTC"', '"2026-03-02T07:00:00+01:00Z"',
    '"2026-03-02T07:00:00\\u005a"', '"2026-03-02T07:60:00Z"', '"2026-03-02T07:00:00.1234Z"',
    '"2026-03-02T07:00:00+1:00"', '"2026-03-02T07:00:00−01:00"', "null",
]
BOOLS = ["true", "false", "null", '"true"', '"false"', "1", "0", '"yes"', '"1"', "1.0", '"on"']
INTS = ["0", "1", "3", "5", "6", "-1", "-0", "3.0", "3.5", "1e0", '"3"', "true", "null",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999", "30", "0.0", "-0.0"]
AGING = ["[30,60,90,120]", "[0,1,2,3]", "[-1,1,2,3]", "[1,1,2,3]", "[3,2,1,0]", "[1,2,3]",
         "[1,2,3,4,5]", "[1,2,3,4.0]", '[1,2,3,"4"]', "[1,2,3,null]", "null", '"30,60,90,120"',
         "{}", "[]", "[1,2,3,true]", "[ 1 , 2 , 3 , 4 ]", "[1,2,3,9223372036854775808]",
         "[-0,1,2,3]", "[0,60,90,1e3]", "[1,2,3,4,]", "[[1],2,3,4]", "[7,14,21,28]",
         "[0,1,2,9223372036854775807]"]
LISTS = ["null", "[]", '["i-1"]', '["i-1","i-2"]', '[""]', '["é"]', '["\\u00e9"]', "[1]",
         '["a",null]', '"i-1"', "{}", '[["a"]]', '["a",]', '[ "a" , "b" ]', '["\\ud800"]']
LITERALS = {
    "event_type": ["order_created", "invoice_posted", "payment_posted", "order_cancelled",
                   "hold_released", "hold_rejected", "company_upserted", "warehouse_upserted",
                   "customer_upserted", "group_upserted", "exchange_rate_set"],
    "payment_type": ["on_account", "cash", "cod"],
    "limit_mode": ["group", "group_and_customer", "hierarchy", "customer"],
    "sales_order_status": ["yes", "no", "cash_only", "cod_only", "hold_until", "open_until"],
}


def literal_pool(name: str) -> list[str]:
    values = LITERALS[name]
    first = values[0]
    wrong = [first.upper(), first.capitalize(), " " + first, first + " ", "", "other",
             "\\u00" + format(ord(first[0]), "x") + first[1:]]
    return [j(v) for v in values] + [f'"{w}"' for w in wrong] + ["1", "null", "true", f"[{j(first)}]"]


KINDS: dict[str, list[str]] = {
    "ccy": CCY, "dec": DECIMALS, "date": DATES, "instant": INSTANTS, "bool": BOOLS,
    "int": INTS, "aging": AGING, "list": LISTS, "str": STRINGS,
}
FIELD_KIND = {
    "currency": "ccy", "from_currency": "ccy", "to_currency": "ccy",
    "amount": "dec", "rate": "dec", "default_credit_limit": "dec", "tolerance_pct": "dec",
    "max_order_amount": "dec", "credit_limit": "dec", "temporary_credit_limit": "dec",
    "insurance_amount": "dec", "guarantee_amount": "dec", "allowed_overdue_amount": "dec",
    "invoice_date": "date", "due_date": "date", "credit_limit_expires": "date",
    "temporary_limit_from": "date", "temporary_limit_to": "date", "next_review": "date",
    "credit_established": "date", "last_review": "date", "sales_order_status_date": "date",
    "occurred_at": "instant", "valid_from": "instant",
    "check_group_limits": "bool", "include_open_orders": "bool", "cod_terms": "bool",
    "hold_period": "int", "allowed_overdue_days": "int", "aging_period_days": "aging",
    "invoice_ids": "list",
}


def pool_for(name: str) -> list[str]:
    if name in LITERALS:
        return literal_pool(name)
    if name == "valid_from":
        return INSTANTS + DATES
    return KINDS[FIELD_KIND.get(name, "str")]


JUNK = [
    "1", "-0", "1e400", "1e999999999999", "123456789012345678901234567890", "NaN", "Infinity",
    "-Infinity", "nan", '"x"', '"\\ud800"', '"\\x"', "[1,]", "[1,2]", '{"a":1,"a":2}', '{"a":}',
    '{"a" : [ 1 , { } ] }', "[" * 63 + "]" * 63, "[" * 100 + "]" * 100, "[" * 300 + "]" * 300,
    "tru", "nul", "01", ".5", "+1", "1.", '"\x01"', '"é"', "true", "false", "null", "{}", "[]",
    '"\\u0000"', '{"\\ud800":1}', "{1:2}", "'x'", "[1 2]", '"unterminated', "1e5", "-1.5E-3",
    '"\udcff"', "-", "1E+", "TRUE", "None", '{"a":[1,{"b":"\\n"}]}', "0.0e0",
    "1" * 4300, "1" * 4301, "-" + "1" * 4301, "[" + "9" * 5000 + "]", "0." + "1" * 5000,
    "1e" + "1" * 5000, "1" * 101, "1" * 100,
]
UNKNOWN_KEYS = ['"foo"', '"Amount"', '"amount "', '"é"', '"\\u00e9"', '""', '"event_type2"',
                '"__proto__"', '"\\u0061mount"', '"event\\u005fid"', '"\\ud800"', '"a\\"b"',
                '"\udcff"', '"EVENT_TYPE"']
SURROUND = [" ", "\n", "\r\n", "\t", "\ufeff", " x", ",", "\x0c", "\x00", "}", "{}", "\u00a0",
            "\r", "\n\n", " \t\r\n ", "\x0b", "//", "#"]


def escape_ascii(text: str, r: random.Random) -> str:
    """A JSON string literal with some characters written as \\u escapes."""
    inner = json.loads(text)
    out = []
    for ch in inner:
        if r.random() < 0.3 and ord(ch) < 0x10000:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(json.dumps(ch, ensure_ascii=False)[1:-1])
    return '"' + "".join(out) + '"'


def mutate(pairs: list[Pair], r: random.Random) -> str:
    """One random change (sometimes two) of a line given as pairs; the line's text."""
    pairs = list(pairs)
    for _ in range(r.choice((1, 1, 1, 2))):
        kind = r.randrange(14)
        index = r.randrange(len(pairs))
        key = json.loads(pairs[index][0])
        if kind == 0:
            del pairs[index]
        elif kind == 1:
            pairs[index] = (pairs[index][0], r.choice(pool_for(key) + GENERIC))
        elif kind == 2:
            name = r.choice(FIELD_NAMES)
            pairs.insert(r.randrange(len(pairs) + 1), (j(name), r.choice(pool_for(name))))
        elif kind == 3:
            pairs.insert(r.randrange(len(pairs) + 1), (r.choice(UNKNOWN_KEYS), r.choice(JUNK)))
        elif kind == 4:
            dup = pairs[index] if r.random() < 0.5 else (pairs[index][0], r.choice(pool_for(key)))
            pairs.insert(r.randrange(len(pairs) + 1), dup)
        elif kind == 5:
            value = pairs[index][1]
            if value.startswith('"') and _loads(value):
                pairs[index] = (pairs[index][0], escape_ascii(value, r))
        elif kind == 6:
            pairs[index] = (escape_ascii(pairs[index][0], r), pairs[index][1])
        elif kind == 7:
            r.shuffle(pairs)
        elif kind == 8:
            pairs[index] = (pairs[index][0], j(LITERALS["event_type"][r.randrange(11)]))
            if key != "event_type":
                pairs = [(k, j(r.choice(LITERALS["event_type"]))) if k == '"event_type"' else (k, v)
                         for k, v in pairs]
        elif kind == 9:
            pairs[index] = (pairs[index][0], r.choice(JUNK))
        elif kind == 10 and key in ("sales_order_status", "sales_order_status_date"):
            pairs = [p for p in pairs if p[0] != '"sales_order_status_date"']
            pairs.append(('"sales_order_status"', j(r.choice(("hold_until", "open_until", "yes")))))
        elif kind == 11:
            pairs[index] = (pairs[index][0], "null")
        elif kind == 12:
            name = r.choice(list(FIELD_KIND))
            pairs.append((j(name), r.choice(pool_for(name))))
    text = render(pairs)
    shape = r.randrange(12)
    if shape == 0:
        text = r.choice(SURROUND) + text
    elif shape == 1:
        text = text + r.choice(SURROUND)
    elif shape == 2:
        text = text[: r.randrange(len(text))]
    elif shape == 3:
        at = r.randrange(len(text))
        text = text[:at] + r.choice(' \n\t"\\{}[]:,0a\x00\udcff') + text[at + 1 :]
    elif shape == 4:
        text = json.dumps(json.loads(text), indent=r.choice((None, 1, 2)),
                          ensure_ascii=r.random() < 0.5) if len(text) < 3000 and _loads(text) else text
    elif shape == 5:
        text = "{ " + " , ".join(f"{k} : {v}" for k, v in pairs) + " }"
    return text


def _loads(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def base_events() -> list[dict[str, Any]]:
    events = [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]
    config = LoadConfig(seed=7, accounts=40, groups=5, companies=4, events=300)
    return events + list(generate(config))


FIELD_NAMES: list[str] = []
MODEL_FIELDS: dict[str, set[str]] = {
    get_args(model.model_fields["event_type"].annotation)[0]: set(model.model_fields)
    for model in vars(event_models).values()
    if isinstance(model, type) and issubclass(model, event_models.Event)
    and "event_type" in model.model_fields
}


def main() -> None:
    r = random.Random(20260302)
    bases = base_events()
    FIELD_NAMES.extend(sorted({k for e in bases for k in e} | set(FIELD_KIND)))
    cases: list[tuple[str, bool]] = [(render(to_pairs(e)), True) for e in bases]
    # every field of one event of each type (and the fullest customer and group), from pools
    seen: dict[str, dict[str, Any]] = {}
    for event in bases:
        kind = event["event_type"]
        if kind not in seen or len(event) > len(seen[kind]):
            seen[kind] = event
    for event in seen.values():
        pairs = to_pairs(event)
        for index, (key, _) in enumerate(pairs):
            name = json.loads(key)
            cases.append((render(pairs[:index] + pairs[index + 1 :]), False))
            for value in dict.fromkeys(pool_for(name) + GENERIC):
                cases.append((render(pairs[:index] + [(key, value)] + pairs[index + 1 :]), False))
        own = MODEL_FIELDS[event["event_type"]]
        for name in sorted(set(FIELD_KIND) | set(LITERALS) | own):
            if j(name) not in dict(pairs):
                # the type's own absent fields get the whole pool; a foreign one a sample
                pool = pool_for(name) if name in own else r.sample(pool_for(name), 3)
                for value in pool:
                    cases.append((render(pairs + [(j(name), value)]), False))
        for value in JUNK:
            cases.append((render(pairs + [('"extra"', value)]), False))
        for text in SURROUND:
            cases.append((text + render(pairs), False))
            cases.append((render(pairs) + text, False))
    for text in ["", "[]", "null", '"x"', "{}", "1", "{", "}", '{"event_type":"order_created"}']:
        cases.append((text, False))
    pair_bases = [to_pairs(e) for e in bases]
    for _ in range(5000):
        cases.append((mutate(r.choice(pair_bases), r), False))
    accepted = 0
    with gzip.open(OUT, "wt", encoding="utf-8", newline="\n") as out:
        for text, is_base in cases:
            try:
                raw = text.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                continue  # a lone surrogate that reformatting wrote raw: not a byte string
            ok, event = verdict(raw)
            accepted += ok
            record: dict[str, Any] = {}
            try:
                record["line"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                record["hex"] = raw.hex()
            record["ok"] = ok
            if ok:
                record["event"] = event
            if is_base:
                record["base"] = True
            out.write(json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n")
    print(f"{len(cases)} lines, {accepted} accepted by pydantic -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()

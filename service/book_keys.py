"""The changelog's keys of account books: ``b"b\\x1f<company>\\x1f<customer>"``.

The other keys of a by-root partition's changelog and store are its bookkeeping (the
reference watermark, ``service.handover``'s records).
"""

from __future__ import annotations

from service.domain.reference import AccountKey

_BOOK_PREFIX = b"b\x1f"


def book_key(account: AccountKey) -> bytes:
    return _BOOK_PREFIX + f"{account[0]}\x1f{account[1]}".encode()


def is_book_key(key: bytes) -> bool:
    """A changelog key of an account book (the others are per-partition bookkeeping)."""
    return key.startswith(_BOOK_PREFIX)


def account_of(key: bytes) -> AccountKey:
    company, customer = key[len(_BOOK_PREFIX) :].decode().split("\x1f")
    return (company, customer)

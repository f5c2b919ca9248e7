"""What an event's hash covers: the RFC 8785 canonical JSON of exactly what the database
stores, chained to the previous event of the same stream.

PostgreSQL keeps JSON numbers as ``numeric`` and gives them back without exponents (a float
``1e+16`` comes back as the integer ``10000000000000000``), so a hash of the caller's Python
value could differ from one of the stored row. The canonical text is therefore computed from
the value as stored, and RFC 8785 writes every number as the double it stands for: the same
bytes come out of the caller's value, of PostgreSQL's copy and of SQLite's copy.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import rfc8785

GENESIS_HASH = "0" * 64
# RFC 8785 numbers are IEEE 754 doubles: integers beyond this are not all representable.
SAFE_INTEGER = 2**53 - 1
# The canonical text writes U+0000 as \u0000, which PostgreSQL's jsonb refuses to store.
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


class NotCanonical(ValueError):
    """A value that no JSON column keeps exactly, so no hash of it could be checked later."""


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value.

    An integer beyond ±(2**53 - 1) is accepted only where it is exactly the decimal that
    RFC 8785 writes for some double (what PostgreSQL gives back for a float such as
    ``1e+16``), and is written as that double; any other is refused, as are NaN, infinities,
    non-string keys, lone surrogates and U+0000.
    """
    try:
        plain = _plain(value)
    except RecursionError:
        raise NotCanonical("nested too deeply") from None
    if plain:
        # No floats and no key beyond the BMP: for these, RFC 8785 and compact key-sorted
        # JSON from the standard library write the same bytes (the tests hold the two
        # against each other), and the latter is C, several times faster on the append path.
        try:
            text = json.dumps(value, **_COMPACT).encode()
        except UnicodeEncodeError as exc:  # a lone surrogate
            raise NotCanonical(f"input contains non-UTF-8 codepoints: {exc.reason}") from None
    else:
        text = _rfc8785(value)
    if b"\\u0000" in text and _NUL.search(text.decode()):
        raise NotCanonical("strings may not contain U+0000 (NUL)")
    return text


def _rfc8785(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except rfc8785.IntegerDomainError:
        return _dumps(_doubles_for_large_integers(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise NotCanonical(str(exc)) from None


def stored_json(value: Any) -> tuple[Any, bytes]:
    """The value as the database will store it and read it back, with its canonical bytes:
    the canonical text is what is sent, so what comes back canonicalises to the same bytes."""
    text = canonical_json(value)
    return json.loads(text), text


def occurred_at_text(occurred_at: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds, a ``Z`` (PostgreSQL writes the same)."""
    return occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_content(row: Any) -> bytes:
    """The canonical bytes of one stored event: everything but its place in the log order
    (``log_tx``) and its hashes. Takes anything with the fields of ``Event``."""
    return canonical_json(
        {
            "data": row.data,
            "event_id": str(row.event_id),
            "event_type": row.event_type,
            "metadata": row.metadata,
            "occurred_at": occurred_at_text(row.occurred_at),
            "position": row.position,
            "schema_version": row.schema_version,
            "stream_id": str(row.stream_id),
            "stream_type": row.stream_type,
            "version": row.version,
        }
    )


def chain_hash(prev_hash: str, content: bytes) -> str:
    """An event's hash: over its stream's previous hash and its own canonical content."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()


_COMPACT = {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":"), "allow_nan": False}


def _plain(value: Any) -> bool:
    """Whether the value holds only objects with BMP-only string keys, arrays, strings,
    booleans, null and integers RFC 8785 represents exactly."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -SAFE_INTEGER <= value <= SAFE_INTEGER
    if kind is dict:
        return all(
            type(k) is str and (k.isascii() or max(k) <= "\uffff") and _plain(v)
            for k, v in value.items()
        )
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def _dumps(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise NotCanonical(str(exc)) from None


def _doubles_for_large_integers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _doubles_for_large_integers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_doubles_for_large_integers(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > SAFE_INTEGER:
        double = float(value)
        if Decimal(rfc8785.dumps(double).decode()) != value:
            raise NotCanonical(
                f"{value} is beyond ±{SAFE_INTEGER} and not exactly a double (RFC 8785 numbers "
                "are IEEE 754 doubles): send it as a string"
            )
        return double
    return value

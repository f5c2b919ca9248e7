"""The hash chain: each event's hash covers its content and the previous event's hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_content(row: Any) -> bytes:
    """The bytes hashed for one event row: key-sorted compact JSON, stable across databases
    (PostgreSQL's jsonb reorders keys) and Python versions. Takes anything with the
    fields of ``eventstore.models.Event``."""
    content = {
        "event_id": str(row.event_id),
        "stream_type": row.stream_type,
        "stream_id": str(row.stream_id),
        "version": row.version,
        "position": row.position,
        "event_type": row.event_type,
        "schema_version": row.schema_version,
        "occurred_at": row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "data": row.data,
        "metadata": row.metadata,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()

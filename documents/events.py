"""The Document aggregate's event types: a public contract, never renamed or reused."""

from __future__ import annotations

from eventstore.registry import EventType

STREAM_TYPE = "documents.Document"

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_UUID = {"type": "string", "format": "uuid"}


def _schema(properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


_REVISION = {
    "revision": {"type": "integer", "minimum": 1},
    "filename": {"type": "string", "minLength": 1, "maxLength": 255},
    "sha256": _SHA256,
    "size": {"type": "integer", "minimum": 1},
    "content_type": {"type": "string", "minLength": 1},
    # Version 2: the revision's word count (null for formats without a reader).
    "word_count": {"type": ["integer", "null"], "minimum": 0},
}


def _with_unknown_word_count(data: dict) -> dict:
    """Version 1 → 2: uploads from before word counts have none."""
    return {**data, "word_count": None}


def _with_unknown_language(data: dict) -> dict:
    """Version 1 → 2: documents uploaded before they had a language have none."""
    return {**_with_unknown_word_count(data), "language": None}


_UPLOADED = {
    "owner_id": {"type": "integer"},
    "title": {"type": "string", "minLength": 1},
}
# The language the document is written in (null or absent: not said). Optional, so that the
# version 2 events written before it was added stay valid.
_LANGUAGE = {"language": {"type": ["string", "null"], "maxLength": 35}}

DOCUMENT_UPLOADED = EventType(
    name="documents.DocumentUploaded",
    schema=_schema({**_UPLOADED, **_LANGUAGE, **_REVISION}, [*_UPLOADED, *_REVISION]),
    schema_version=2,
    upcasters={1: _with_unknown_language},
)
REVISION_UPLOADED = EventType(
    name="documents.RevisionUploaded",
    schema=_schema(_REVISION, list(_REVISION)),
    schema_version=2,
    upcasters={1: _with_unknown_word_count},
)
DOCUMENT_LOCKED = EventType(
    name="documents.DocumentLocked",
    schema=_schema(
        # target_language: added with locks held by several languages at once; optional, so
        # that the locks recorded before it stay valid (""/absent: not recorded).
        {
            "request_id": _UUID,
            "revision": {"type": "integer"},
            "target_language": {"type": "string", "maxLength": 35},
        },
        ["request_id", "revision"],
    ),
)
DOCUMENT_LOCK_REJECTED = EventType(
    name="documents.DocumentLockRejected",
    schema=_schema(
        {"request_id": _UUID, "revision": {"type": "integer"}, "reason": {"type": "string"}},
        ["request_id", "revision", "reason"],
    ),
)
DOCUMENT_UNLOCKED = EventType(
    name="documents.DocumentUnlocked",
    schema=_schema({"request_id": _UUID, "reason": {"type": "string"}}, ["request_id", "reason"]),
)

ALL = [
    DOCUMENT_UPLOADED,
    REVISION_UPLOADED,
    DOCUMENT_LOCKED,
    DOCUMENT_LOCK_REJECTED,
    DOCUMENT_UNLOCKED,
]

"""The TranslationRequest aggregate's event types: a public contract, never renamed or reused."""

from __future__ import annotations

from eventstore.registry import EventType

STREAM_TYPE = "translations.TranslationRequest"

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _schema(properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


TRANSLATION_REQUESTED = EventType(
    name="translations.TranslationRequested",
    schema=_schema(
        {
            "document_id": {"type": "string", "format": "uuid"},
            "revision": {"type": "integer", "minimum": 1},
            "source_sha256": _SHA256,
            "customer_id": {"type": "integer"},
            "target_language": {"type": "string", "minLength": 2, "maxLength": 35},
            "deadline": {"type": ["string", "null"], "format": "date-time"},
            "note": {"type": "string"},
        },
        ["document_id", "revision", "source_sha256", "customer_id", "target_language"],
    ),
)
TRANSLATION_OPENED = EventType(name="translations.TranslationOpened", schema=_schema({}, []))
TRANSLATION_REJECTED = EventType(
    name="translations.TranslationRejected",
    schema=_schema({"reason": {"type": "string"}}, ["reason"]),
)
TRANSLATION_CANCELLED = EventType(
    name="translations.TranslationCancelled",
    schema=_schema({"reason": {"type": "string"}}, []),
)
TRANSLATION_ACCEPTED = EventType(
    name="translations.TranslationAccepted",
    schema=_schema({"translator_id": {"type": "integer"}}, ["translator_id"]),
)
TRANSLATION_DELIVERED = EventType(
    name="translations.TranslationDelivered",
    schema=_schema(
        {
            "translator_id": {"type": "integer"},
            "source_sha256": _SHA256,
            "translated_sha256": _SHA256,
            "filename": {"type": "string"},
            "size": {"type": "integer", "minimum": 1},
        },
        ["translator_id", "source_sha256", "translated_sha256"],
    ),
)
TRANSLATION_EXPIRED = EventType(
    name="translations.TranslationExpired",
    schema=_schema({"deadline": {"type": "string", "format": "date-time"}}, ["deadline"]),
)

ALL = [
    TRANSLATION_REQUESTED,
    TRANSLATION_OPENED,
    TRANSLATION_REJECTED,
    TRANSLATION_CANCELLED,
    TRANSLATION_ACCEPTED,
    TRANSLATION_DELIVERED,
    TRANSLATION_EXPIRED,
]

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
            # Version 2: the source revision's word count, as the documents context counted
            # it, and the document's language (null: not counted, not said; the language is
            # optional: the first version 2 events were written without it).
            "word_count": {"type": ["integer", "null"], "minimum": 0},
            "source_language": {"type": ["string", "null"], "maxLength": 35},
            # Version 3: the document's title when the request was made, so that the
            # translator's queue can name the document without asking the documents context.
            "document_title": {"type": "string", "maxLength": 255},
        },
        [
            "document_id",
            "revision",
            "source_sha256",
            "customer_id",
            "target_language",
            "word_count",
            "document_title",
        ],
    ),
    schema_version=3,
    upcasters={
        1: lambda data: {**data, "word_count": None, "source_language": None},
        # Requests made before titles were carried: the queue shows the document's id.
        2: lambda data: {**data, "document_title": ""},
    },
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
            # Added with the delivery review: which delivery of the request this is (absent
            # on deliveries made before: the first).
            "delivery": {"type": "integer", "minimum": 1},
        },
        ["translator_id", "source_sha256", "translated_sha256"],
    ),
)
TRANSLATION_DECLINED = EventType(
    name="translations.TranslationDeclined",
    schema=_schema(
        {"translator_id": {"type": "integer"}, "reason": {"type": "string", "maxLength": 2000}},
        ["translator_id", "reason"],
    ),
)
TRANSLATION_RELEASED = EventType(
    name="translations.TranslationReleased",
    schema=_schema(
        {
            "translator_id": {"type": "integer"},
            "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
        },
        ["translator_id", "reason"],
    ),
)
CHANGES_REQUESTED = EventType(
    name="translations.ChangesRequested",
    schema=_schema(
        {
            "delivery": {"type": "integer", "minimum": 1},
            "comment": {"type": "string", "minLength": 1, "maxLength": 4000},
        },
        ["delivery", "comment"],
    ),
)
DELIVERY_APPROVED = EventType(
    name="translations.DeliveryApproved",
    schema=_schema(
        {"delivery": {"type": "integer", "minimum": 1}, "automatically": {"type": "boolean"}},
        ["delivery", "automatically"],
    ),
)
TRANSLATION_EXPIRED = EventType(
    name="translations.TranslationExpired",
    schema=_schema({"deadline": {"type": "string", "format": "date-time"}}, ["deadline"]),
)

# A translator's profile: the language pairs they work in (its own stream per translator).
PROFILE_STREAM_TYPE = "translations.TranslatorProfile"
_LANGUAGE = {"type": "string", "minLength": 2, "maxLength": 35}
LANGUAGE_PAIRS_SET = EventType(
    name="translations.LanguagePairsSet",
    schema=_schema(
        {
            "translator_id": {"type": "integer"},
            "pairs": {
                "type": "array",
                "maxItems": 400,
                "items": _schema({"source": _LANGUAGE, "target": _LANGUAGE}, ["source", "target"]),
            },
        },
        ["translator_id", "pairs"],
    ),
)

ALL = [
    TRANSLATION_REQUESTED,
    TRANSLATION_OPENED,
    TRANSLATION_REJECTED,
    TRANSLATION_CANCELLED,
    TRANSLATION_ACCEPTED,
    TRANSLATION_DELIVERED,
    TRANSLATION_EXPIRED,
    TRANSLATION_DECLINED,
    TRANSLATION_RELEASED,
    CHANGES_REQUESTED,
    DELIVERY_APPROVED,
    LANGUAGE_PAIRS_SET,
]

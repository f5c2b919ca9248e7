"""The documents context's consumer: it answers translation requests with a lock (or a
rejection) and releases the lock when a request ends."""

from __future__ import annotations

import uuid

from documents import services
from eventstore.store import RecordedEvent
from messaging.consumers import Consumer

NAME = "documents"


def on_translation_requested(event: RecordedEvent) -> None:
    services.document_lock_for_request(
        document_id=uuid.UUID(event.data["document_id"]),
        request_id=event.stream_id,
        revision=event.data["revision"],
        customer_id=event.data["customer_id"],
        language=event.data["target_language"],
    )


# A request in progress (open, accepted, delivered for review, sent back for changes) holds
# the document; these end it.
ENDINGS = {
    "translations.TranslationCancelled": "cancelled",
    "translations.TranslationExpired": "expired",
    "translations.DeliveryApproved": "completed",
}


def on_request_ended(event: RecordedEvent) -> None:
    services.document_unlock_for_request(
        request_id=event.stream_id, reason=ENDINGS[event.event_type]
    )


CONSUMER = Consumer(
    name=NAME,
    contexts=("translations",),
    handlers={
        "translations.TranslationRequested": on_translation_requested,
        **dict.fromkeys(ENDINGS, on_request_ended),
    },
)

ALL = [CONSUMER]

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
    )


def on_request_ended(event: RecordedEvent) -> None:
    reason = event.event_type.rsplit(".", 1)[-1].removeprefix("Translation").lower()
    services.document_unlock_for_request(request_id=event.stream_id, reason=reason)


CONSUMER = Consumer(
    name=NAME,
    contexts=("translations",),
    handlers={
        "translations.TranslationRequested": on_translation_requested,
        "translations.TranslationCancelled": on_request_ended,
        "translations.TranslationDelivered": on_request_ended,
        "translations.TranslationExpired": on_request_ended,
    },
)

ALL = [CONSUMER]

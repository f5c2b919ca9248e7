"""The translations context's consumer: the documents context's answer opens or rejects a
pending request."""

from __future__ import annotations

import uuid

from eventstore.store import RecordedEvent
from messaging.consumers import Consumer
from translations import services

NAME = "translations"


def on_document_locked(event: RecordedEvent) -> None:
    services.translation_request_open(request_id=uuid.UUID(event.data["request_id"]))


def on_document_lock_rejected(event: RecordedEvent) -> None:
    services.translation_request_reject(
        request_id=uuid.UUID(event.data["request_id"]), reason=event.data["reason"]
    )


CONSUMER = Consumer(
    name=NAME,
    contexts=("documents",),
    handlers={
        "documents.DocumentLocked": on_document_locked,
        "documents.DocumentLockRejected": on_document_lock_rejected,
    },
)

ALL = [CONSUMER]

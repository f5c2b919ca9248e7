"""Keeps ``DocumentView`` and ``RevisionView`` from the document events, in the appending
transaction, and rebuilds them from the store."""

from __future__ import annotations

from documents import events
from documents.models import DocumentView, RevisionView
from eventstore.projections import Projection
from eventstore.store import RecordedEvent


def apply(event: RecordedEvent) -> None:
    data = event.data
    if event.event_type == events.DOCUMENT_UPLOADED.name:
        DocumentView.objects.create(
            id=event.stream_id,
            owner_id=data["owner_id"],
            title=data["title"],
            latest_revision=1,
            version=event.version,
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
        )
    document = DocumentView.objects.get(pk=event.stream_id)
    match event.event_type:
        case events.DOCUMENT_UPLOADED.name | events.REVISION_UPLOADED.name:
            RevisionView.objects.create(
                document=document,
                revision=data["revision"],
                filename=data["filename"],
                sha256=data["sha256"],
                size=data["size"],
                content_type=data["content_type"],
                uploaded_at=event.occurred_at,
            )
            document.latest_revision = data["revision"]
        case events.DOCUMENT_LOCKED.name:
            document.locked_by_request = data["request_id"]
        case events.DOCUMENT_UNLOCKED.name:
            document.locked_by_request = None
    document.version = event.version
    document.updated_at = event.occurred_at
    document.save()


def reset() -> None:
    RevisionView.objects.all().delete()
    DocumentView.objects.all().delete()


DOCUMENTS = Projection(
    name="documents.documents",
    event_types=frozenset(e.name for e in events.ALL),
    apply=apply,
    reset=reset,
)

ALL = [DOCUMENTS]

"""Keeps ``DocumentView``, ``RevisionView`` and ``LockView`` from the document events, in the
appending transaction, and rebuilds them from the store."""

from __future__ import annotations

from documents import events
from documents.models import DocumentView, LockView, RevisionView
from eventstore.projections import Projection
from eventstore.store import RecordedEvent


def apply(event: RecordedEvent) -> None:
    data = event.data
    if event.event_type == events.DOCUMENT_UPLOADED.name:
        DocumentView.objects.create(
            id=event.stream_id,
            owner_id=data["owner_id"],
            title=data["title"],
            language=data.get("language") or "",
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
                word_count=data["word_count"],
                uploaded_at=event.occurred_at,
            )
            document.latest_revision = data["revision"]
        case events.DOCUMENT_LOCKED.name:
            LockView.objects.create(
                document=document, request_id=data["request_id"], revision=data["revision"],
                target_language=data.get("target_language", ""), locked_at=event.occurred_at,
            )  # fmt: skip
            document.locked_revision = data["revision"]
        case events.DOCUMENT_UNLOCKED.name:
            LockView.objects.filter(document=document, request_id=data["request_id"]).delete()
            if not document.locks.exists():
                document.locked_revision = None
    document.version = event.version
    document.updated_at = event.occurred_at
    document.save()


def reset() -> None:
    LockView.objects.all().delete()
    RevisionView.objects.all().delete()
    DocumentView.objects.all().delete()


DOCUMENTS = Projection(
    name="documents.documents",
    event_types=frozenset(e.name for e in events.ALL),
    apply=apply,
    reset=reset,
)

ALL = [DOCUMENTS]

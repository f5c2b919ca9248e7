"""Reading the documents context's read models."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from documents.models import DocumentView, RevisionView


def documents_of(owner_id: int) -> QuerySet[DocumentView]:
    return all_documents().filter(owner_id=owner_id)


def all_documents() -> QuerySet[DocumentView]:
    return DocumentView.objects.prefetch_related("locks")


def document(document_id: uuid.UUID) -> DocumentView | None:
    return DocumentView.objects.filter(pk=document_id).first()


def revision(document_id: uuid.UUID, number: int) -> RevisionView | None:
    return RevisionView.objects.filter(document_id=document_id, revision=number).first()

"""Use cases that need both contexts, shared by the REST API and the pages: neither context
may call the other, so they meet here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from api import access
from documents import selectors as documents
from eventstore.models import Event
from eventstore.selectors import event_log, events_of_streams
from translations import services as translations
from translations.models import RequestView
from translations.selectors import requests_of_document


def translation_requests(
    *,
    user: AbstractBaseUser,
    document_id: uuid.UUID,
    target_languages: Sequence[str],
    revision: int | None = None,
    deadline: datetime | None = None,
    note: str = "",
    field: str = "target_languages",
) -> list[RequestView]:
    """A customer submits a revision of their document (the latest unless named) for
    translation into one or more languages: a request per language, each pinned to that
    revision's sha256."""
    if not access.is_customer(user):
        raise PermissionDenied("only customers submit translation requests")
    # Another customer's document does not exist for this one.
    document = get_object_or_404(documents.documents_of(user.pk), pk=document_id)
    number = revision or document.latest_revision
    pinned = documents.revision(document.pk, number)
    if pinned is None:
        raise translations.InvalidRequest(
            "revision",
            f"revision {number} does not exist; the latest is {document.latest_revision}",
        )
    return translations.translation_requests_submit(
        document_id=document.pk, revision=number, source_sha256=pinned.sha256,
        customer_id=user.pk, target_languages=target_languages, deadline=deadline, note=note,
        word_count=pinned.word_count, source_language=document.language or None,
        document_title=document.title, field=field,
    )  # fmt: skip


def document_streams(document_id: uuid.UUID) -> list[uuid.UUID]:
    """The document's stream and those of its translation requests."""
    return [document_id, *requests_of_document(document_id).values_list("pk", flat=True)]


def document_history(document_id: uuid.UUID) -> QuerySet[Event]:
    """The document's events and those of its translation requests, in the order they
    happened."""
    return events_of_streams(document_streams(document_id))


def operation_events(user: AbstractBaseUser, correlation_id: str) -> QuerySet[Event]:
    """One operation's events on the streams the user may see."""
    return event_log(correlation_id=correlation_id).filter(
        Q(stream_id__in=access.visible_documents(user).values("pk"))
        | Q(stream_id__in=access.visible_requests(user).values("pk"))
    )

"""The documents context's commands: upload, new revision, and the lock saga's replies."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from blobstore import filetypes
from blobstore.content import store_blob
from documents.aggregate import Document, Revision
from documents.models import DocumentView, LockView
from documents.projections import DOCUMENTS
from documents.wordcount import count_words
from eventstore.aggregates import load_aggregate, save_aggregate
from eventstore.store import RecordedEvent
from kernel.errors import InvalidInput
from kernel.languages import language_codes


class InvalidUpload(InvalidInput):
    """The file cannot be accepted; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


def checked_content_type(name: str, file: UploadedFile) -> str:
    """The file's content type, if ``DOCUMENTS_ALLOWED_TYPES`` accepts its name and its
    content (``blobstore.filetypes``)."""
    try:
        return filetypes.file_content_type(name, file, settings.DOCUMENTS_ALLOWED_TYPES)
    except filetypes.UnacceptableFile as exc:
        raise InvalidUpload(str(exc)) from None


def stored_revision(file: UploadedFile) -> Revision:
    """Checks the upload against the limits and stores its bytes by content."""
    name = PurePath(file.name or "").name
    if not name:
        raise InvalidUpload("the file has no name")
    if not file.size:
        raise InvalidUpload(f"{name} is empty")
    limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
    if file.size > limit:
        size, most = filetypes.sizes_in_words(file.size, limit)
        raise InvalidUpload(f"{name} is {size}; the limit is {most}")
    content_type = checked_content_type(name, file)
    word_count = count_words(name, file)
    blob = store_blob(file)
    return Revision(
        revision=0, filename=name[:255], sha256=blob.sha256, size=blob.size,
        content_type=content_type, word_count=word_count,
    )  # fmt: skip


def document_upload(
    *, owner_id: int, title: str, file: UploadedFile, language: str = ""
) -> DocumentView:
    """A new document at revision 1, in ``language`` if given (the source language of its
    translations); its bytes are stored by sha256 before the event that names them is
    appended."""
    language = language.strip().lower()
    if language and language not in language_codes():
        raise InvalidInput("language", f"unknown language code {language!r}; use e.g. en, de")
    revision = stored_revision(file)
    document_id = uuid.uuid4()
    with transaction.atomic():
        document = Document(document_id)
        events = Document.upload(owner_id=owner_id, title=title.strip() or revision.filename,
                                 file=revision, language=language or None)  # fmt: skip
        save_aggregate(document, events, projections=[DOCUMENTS])
        return DocumentView.objects.get(pk=document_id)


def document_revision_upload(*, document_id: uuid.UUID, file: UploadedFile) -> DocumentView:
    """A new revision; raises ``DocumentLockedError`` while a request holds the document."""
    revision = stored_revision(file)
    with transaction.atomic():
        document = load_aggregate(Document, document_id)
        save_aggregate(document, document.upload_revision(revision), projections=[DOCUMENTS])
        return DocumentView.objects.get(pk=document_id)


# --- the saga: replies to the translations context ---------------------------------------
def document_lock_for_request(
    *,
    document_id: uuid.UUID,
    request_id: uuid.UUID,
    revision: int,
    customer_id: int,
    language: str = "",
) -> list[RecordedEvent]:
    """The documents context's answer to a translation request: locked (one more hold), or
    rejected with the reason (not the latest revision, that language already in progress,
    not the owner's)."""
    document = load_aggregate(Document, document_id)
    if document.version == 0:
        return []  # no such document: the request was never valid (the API checks this)
    events = document.lock(
        request_id=str(request_id), revision=revision, customer_id=customer_id, language=language
    )
    return save_aggregate(document, events, projections=[DOCUMENTS])


def document_unlock_for_request(*, request_id: uuid.UUID, reason: str) -> list[RecordedEvent]:
    """The request ended (cancelled, delivered, expired): release its hold, if it had one;
    the document is unlocked when its last hold is released."""
    hold = LockView.objects.filter(request_id=request_id).first()
    if hold is None:
        return []  # the request never held a lock (rejected, or cancelled before the lock)
    document = load_aggregate(Document, hold.document_id)
    events = document.unlock(request_id=str(request_id), reason=reason)
    return save_aggregate(document, events, projections=[DOCUMENTS])

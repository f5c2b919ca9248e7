"""The translations context's commands: submit, cancel, accept, deliver, expire, and the
replies to the documents context's lock decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from blobstore import filetypes
from blobstore.content import store_blob
from eventstore.aggregates import load_aggregate, save_aggregate
from eventstore.context import operation, system_actor
from eventstore.exceptions import ConcurrencyError
from eventstore.store import RecordedEvent
from kernel.errors import InvalidInput
from translations.aggregate import EXPIRABLE, TranslationRequest
from translations.models import RequestView
from translations.projections import REQUESTS


class InvalidRequest(InvalidInput):
    """Input that cannot be accepted; ``field`` names what to fix."""


def language_codes() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def translation_request_submit(
    *,
    document_id: uuid.UUID,
    revision: int,
    source_sha256: str,
    customer_id: int,
    target_language: str,
    deadline: datetime | None = None,
    note: str = "",
) -> RequestView:
    """A new request for one document revision (pinned: its sha256 goes with it); the
    documents context answers with a lock or a rejection."""
    language = target_language.strip().lower()
    if language not in language_codes():
        raise InvalidRequest(
            "target_language", f"unknown language code {target_language!r}; use e.g. fr, de, pt-br"
        )
    if deadline is not None and deadline <= timezone.now():
        raise InvalidRequest("deadline", "the deadline must be in the future")
    request_id = uuid.uuid4()
    with transaction.atomic():
        events = TranslationRequest.request(
            document_id=document_id, revision=revision, source_sha256=source_sha256,
            customer_id=customer_id, target_language=language, deadline=deadline, note=note,
        )  # fmt: skip
        save_aggregate(TranslationRequest(request_id), events, projections=[REQUESTS])
        return RequestView.objects.get(pk=request_id)


def _decide(request_id: uuid.UUID, decide) -> list[RecordedEvent]:
    """Loads the request, lets ``decide`` choose the events, and saves them at the version it
    was loaded at: a concurrent command makes this raise ``ConcurrencyError``."""
    with transaction.atomic():
        request = load_aggregate(TranslationRequest, request_id)
        return save_aggregate(request, decide(request), projections=[REQUESTS])


def translation_request_cancel(*, request_id: uuid.UUID) -> RequestView:
    """The customer withdraws a pending or open request; the documents context unlocks."""
    _decide(request_id, lambda r: r.cancel())
    return RequestView.objects.get(pk=request_id)


def translation_request_accept(*, request_id: uuid.UUID, translator_id: int) -> RequestView:
    """A translator takes an open request; racing a cancel, exactly one of them wins."""
    _decide(request_id, lambda r: r.accept(translator_id))
    return RequestView.objects.get(pk=request_id)


def translation_request_deliver(
    *, request_id: uuid.UUID, translator_id: int, file: UploadedFile
) -> RequestView:
    """The accepting translator hands in the translation; the event pins both files by
    sha256, so the audit trail says exactly what was translated into what."""
    name = PurePath(file.name or "").name
    if not file.size:
        raise InvalidRequest("file", f"{name or 'the file'} is empty")
    if file.size > settings.DOCUMENTS_MAX_UPLOAD_BYTES:
        raise InvalidRequest(
            "file",
            f"{name} is {file.size} bytes; the limit is {settings.DOCUMENTS_MAX_UPLOAD_BYTES}",
        )
    try:  # a delivery is checked like an upload: by its name and its content
        filetypes.file_content_type(name, file, settings.DOCUMENTS_ALLOWED_TYPES)
    except filetypes.UnacceptableFile as exc:
        raise InvalidRequest("file", str(exc)) from None
    blob = store_blob(file)
    _decide(
        request_id,
        lambda r: r.deliver(
            translator_id=translator_id, sha256=blob.sha256, filename=name[:255], size=blob.size
        ),
    )
    return RequestView.objects.get(pk=request_id)


def translation_requests_expire_overdue(*, now: datetime | None = None) -> int:
    """Expires the requests still not accepted at their deadline (run by Celery beat)."""
    now = now or timezone.now()
    overdue = RequestView.objects.filter(status__in=EXPIRABLE, deadline__lte=now)
    expired = 0
    with operation(actor=system_actor("deadline-expiry")):
        for request_id in list(overdue.values_list("pk", flat=True)):
            try:
                expired += bool(_decide(request_id, lambda r: r.expire(now)))
            except ConcurrencyError:
                continue  # accepted or cancelled this very moment; the next sweep decides
    return expired


# --- the saga: the documents context's answers ------------------------------------------
def translation_request_open(*, request_id: uuid.UUID) -> list[RecordedEvent]:
    """The document is locked for this request: translators may now see it."""
    return _decide(request_id, lambda r: r.open())


def translation_request_reject(*, request_id: uuid.UUID, reason: str) -> list[RecordedEvent]:
    """The documents context refused the lock; the reason is kept for the customer."""
    return _decide(request_id, lambda r: r.reject(reason))

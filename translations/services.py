"""The translations context's commands: submit, cancel, accept, deliver, expire, and the
replies to the documents context's lock decision."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
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
from kernel.languages import language_codes
from translations.aggregate import DELIVERED, EXPIRABLE, TransitionError, TranslationRequest
from translations.models import RequestView
from translations.profile import MAX_PAIRS, Pair, TranslatorProfile, profile_stream
from translations.projections import LANGUAGE_PAIRS, REQUESTS


class InvalidRequest(InvalidInput):
    """Input that cannot be accepted; ``field`` names what to fix."""


def translation_requests_submit(
    *,
    document_id: uuid.UUID,
    revision: int,
    source_sha256: str,
    customer_id: int,
    target_languages: Sequence[str],
    deadline: datetime | None = None,
    note: str = "",
    word_count: int | None = None,
    source_language: str | None = None,
    document_title: str = "",
    field: str = "target_languages",
) -> list[RequestView]:
    """One request per target language for one document revision (pinned: its sha256 goes
    with each), in one transaction and one operation; the documents context answers each
    with a hold on the document's lock or a rejection. ``field`` names the input that gave
    the languages, for the error; ``document_title`` is carried for the translators' queue
    (this context never asks the documents context for it)."""
    languages = list(dict.fromkeys(code.strip().lower() for code in target_languages))
    if not languages:
        raise InvalidRequest(field, "choose at least one language")
    unknown = [code for code in languages if code not in language_codes()]
    if unknown:
        raise InvalidRequest(field, f"unknown language code {unknown[0]!r}; use e.g. fr, de, pt-br")
    if deadline is not None and deadline <= timezone.now():
        raise InvalidRequest("deadline", "the deadline must be in the future")
    request_ids = []
    with transaction.atomic():
        for language in languages:
            request_id = uuid.uuid4()
            events = TranslationRequest.request(
                document_id=document_id, revision=revision, source_sha256=source_sha256,
                customer_id=customer_id, target_language=language, deadline=deadline, note=note,
                word_count=word_count, source_language=source_language,
                document_title=document_title[:255],
            )  # fmt: skip
            save_aggregate(TranslationRequest(request_id), events, projections=[REQUESTS])
            request_ids.append(request_id)
        views = RequestView.objects.in_bulk(request_ids)
        return [views[request_id] for request_id in request_ids]


def _decide(request_id: uuid.UUID, decide) -> list[RecordedEvent]:
    """Loads the request, lets ``decide`` choose the events, and saves them at the version it
    was loaded at: a concurrent command makes this raise ``ConcurrencyError``."""
    with transaction.atomic():
        request = load_aggregate(TranslationRequest, request_id)
        return save_aggregate(request, decide(request), projections=[REQUESTS])


def translation_request_cancel(*, request_id: uuid.UUID) -> RequestView:
    """The customer withdraws a pending or open request; the documents context releases its
    hold on the document."""
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
            "{} is {}; the limit is {}".format(
                name, *filetypes.sizes_in_words(file.size, settings.DOCUMENTS_MAX_UPLOAD_BYTES)
            ),
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


def translation_request_decline(
    *, request_id: uuid.UUID, translator_id: int, reason: str = ""
) -> RequestView:
    """A translator passes on an open request: it stays open for the others and is no
    longer offered to this one."""
    _decide(request_id, lambda r: r.decline(translator_id, _text("reason", reason, 2000)))
    return RequestView.objects.get(pk=request_id)


def translation_request_release(
    *, request_id: uuid.UUID, translator_id: int, reason: str
) -> RequestView:
    """The accepting translator gives the work back, saying why: open again."""
    if not reason.strip():
        raise InvalidRequest("reason", "say why you give the request back")
    _decide(request_id, lambda r: r.release(translator_id, _text("reason", reason, 2000)))
    return RequestView.objects.get(pk=request_id)


def translation_request_request_changes(*, request_id: uuid.UUID, comment: str) -> RequestView:
    """The customer sends the delivery back to the translator with what to change."""
    if not comment.strip():
        raise InvalidRequest("comment", "say what should be changed")
    _decide(request_id, lambda r: r.request_changes(_text("comment", comment, 4000)))
    return RequestView.objects.get(pk=request_id)


def translation_request_approve(*, request_id: uuid.UUID) -> RequestView:
    """The customer accepts the latest delivery: the request is completed (and the
    documents context releases its hold on the document)."""
    _decide(request_id, lambda r: r.approve())
    return RequestView.objects.get(pk=request_id)


def translation_requests_approve_unanswered(*, now: datetime | None = None) -> int:
    """Approves the deliveries the customer has not answered within
    ``TRANSLATIONS_AUTO_APPROVE_DAYS`` (run by Celery beat)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TRANSLATIONS_AUTO_APPROVE_DAYS)
    unanswered = RequestView.objects.filter(status=DELIVERED, delivered_at__lte=cutoff)
    approved = 0
    with operation(actor=system_actor("auto-approval")):
        for request_id in list(unanswered.values_list("pk", flat=True)):
            try:
                approved += bool(_decide(request_id, lambda r: r.approve(automatically=True)))
            except (ConcurrencyError, TransitionError):
                continue  # answered this very moment: the customer's answer stands
    return approved


def translator_language_pairs_set(
    *, translator_id: int, sources: Sequence[str], targets: Sequence[str]
) -> list[Pair]:
    """The pairs a translator works in: every chosen source language into every chosen
    target language (a language into itself is no pair)."""
    codes = language_codes()
    for field, chosen in (("sources", sources), ("targets", targets)):
        unknown = [code for code in chosen if code not in codes]
        if unknown:
            raise InvalidRequest(field, f"unknown language code {unknown[0]!r}")
    pairs = {Pair(s, t) for s in sources for t in targets if s != t}
    if len(pairs) > MAX_PAIRS:
        raise InvalidRequest("targets", f"at most {MAX_PAIRS} pairs; you chose {len(pairs)}")
    with transaction.atomic():
        profile = load_aggregate(TranslatorProfile, profile_stream(translator_id))
        save_aggregate(
            profile, profile.set_pairs(translator_id, list(pairs)), projections=[LANGUAGE_PAIRS]
        )
        return profile.pairs


def _text(field: str, text: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        raise InvalidRequest(field, f"at most {limit} characters; this is {len(text)}")
    return text


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

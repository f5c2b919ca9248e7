"""The notifications consumer (its own consumer group, idempotent through its inbox):
customers hear of their requests opened, refused, accepted, delivered, redelivered after
changes and expired; translators of new requests in their languages, of changes asked for
their deliveries, and of requests offered to them that were cancelled or expired."""

from __future__ import annotations

from django.urls import reverse

from eventstore.store import RecordedEvent
from kernel.languages import language_name
from messaging.consumers import Consumer
from notifications import kinds
from notifications.services import notify, offered_to
from translations import selectors
from translations.models import RequestView

NAME = "notifications"


def _what(request: RequestView) -> str:
    return (
        f"the {language_name(request.target_language)} translation of revision {request.revision}"
    )


def _customer_page(request: RequestView) -> str:
    return reverse("web:document", args=[request.document_id])


def _tell_customer(event: RecordedEvent, kind: kinds.Kind, text: str) -> None:
    request = selectors.request(event.stream_id)
    if request is not None:
        notify(
            user_id=request.customer_id, kind=kind, text=text.format(what=_what(request)),
            link=_customer_page(request), event_id=event.event_id, about=request.pk,
        )  # fmt: skip


def on_opened(event: RecordedEvent) -> None:
    _tell_customer(event, kinds.OPENED, "Translators can now take {what}.")
    request = selectors.request(event.stream_id)
    words = f", {request.word_count} words" if request.word_count is not None else ""
    for translator_id in selectors.translators_offered(request):
        notify(
            user_id=translator_id, kind=kinds.NEW_REQUEST,
            text=f"New request: {_what(request)}{words}.",
            link=reverse("admin:translations_requestview_changelist"), event_id=event.event_id,
            about=request.pk,
        )  # fmt: skip


def on_rejected(event: RecordedEvent) -> None:
    _tell_customer(event, kinds.REJECTED, f"Refused: {{what}}: {event.data['reason']}.")


def on_accepted(event: RecordedEvent) -> None:
    _tell_customer(event, kinds.ACCEPTED, "A translator accepted {what}.")


def on_delivered(event: RecordedEvent) -> None:
    if event.data.get("delivery", 1) > 1:
        _tell_customer(event, kinds.CHANGES_DELIVERED, "The changes you asked for are in: {what}.")
    else:
        _tell_customer(event, kinds.DELIVERED, "Delivered: {what}. Approve it or ask for changes.")


def on_expired(event: RecordedEvent) -> None:
    _tell_customer(event, kinds.EXPIRED, "Nobody accepted {what} by its deadline.")
    _withdraw(event, "it expired at its deadline")


def on_cancelled(event: RecordedEvent) -> None:
    _withdraw(event, "the customer cancelled it")


def _withdraw(event: RecordedEvent, why: str) -> None:
    """The translators offered the request hear that it is gone."""
    request = selectors.request(event.stream_id)
    if request is None:
        return
    for translator_id in offered_to(request.pk):
        notify(
            user_id=translator_id, kind=kinds.WITHDRAWN,
            text=f"No longer offered: {_what(request)} ({why}).",
            link=reverse("admin:translations_requestview_changelist"), event_id=event.event_id,
            about=request.pk,
        )  # fmt: skip


def on_changes_requested(event: RecordedEvent) -> None:
    request = selectors.request(event.stream_id)
    if request is not None and request.translator_id is not None:
        notify(
            user_id=request.translator_id, kind=kinds.CHANGES_REQUESTED,
            text=f"Changes asked for {_what(request)}: {event.data['comment']}",
            link=reverse("admin:translations_requestview_deliver", args=[request.pk]),
            event_id=event.event_id, about=request.pk,
        )  # fmt: skip


CONSUMER = Consumer(
    name=NAME,
    contexts=("translations",),
    handlers={
        "translations.TranslationOpened": on_opened,
        "translations.TranslationRejected": on_rejected,
        "translations.TranslationAccepted": on_accepted,
        "translations.TranslationDelivered": on_delivered,
        "translations.TranslationExpired": on_expired,
        "translations.TranslationCancelled": on_cancelled,
        "translations.ChangesRequested": on_changes_requested,
    },
)

ALL = [CONSUMER]

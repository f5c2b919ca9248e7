"""Reading the translations context's read model."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from eventstore.selectors import actor_labels
from eventstore.store import read_stream
from translations.aggregate import ACCEPTED, CHANGES_REQUESTED, DELIVERED, OPEN, PENDING
from translations.models import DeclineView, LanguagePairView, RequestView


def requests_of_customer(customer_id: int) -> QuerySet[RequestView]:
    return RequestView.objects.filter(customer_id=customer_id)


# A translator's queue: what they can act on first (open requests, then the work they hold),
# then what waits on others, and what has ended last; within each, the nearest deadline
# first and no deadline last, on every database (SQLite would put NULLs first).
_QUEUE_RANK = Case(
    When(status=OPEN, then=Value(0)),
    When(status__in=[ACCEPTED, CHANGES_REQUESTED], then=Value(1)),
    When(status__in=[PENDING, DELIVERED], then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
QUEUE_ORDER = (_QUEUE_RANK.asc(), F("deadline").asc(nulls_last=True), F("created_at").asc())


def in_queue_order(requests: QuerySet[RequestView]) -> QuerySet[RequestView]:
    return requests.order_by(*QUEUE_ORDER)


def requests_for_translator(translator_id: int) -> QuerySet[RequestView]:
    """What a translator may see: the open requests in their language pairs that they have
    not declined, and the ones they accepted (also once delivered)."""
    declined = DeclineView.objects.filter(translator_id=translator_id).values("request_id")
    offered = Q(status=OPEN) & ~Q(pk__in=declined) & in_pairs_of(translator_id)
    return RequestView.objects.filter(offered | Q(translator_id=translator_id))


def in_pairs_of(translator_id: int) -> Q:
    """Requests in one of the translator's pairs: into its target, from its source or from
    a language not said. Everything while they have set no pairs."""
    pairs = list(LanguagePairView.objects.filter(translator_id=translator_id))
    if not pairs:
        return Q()
    matches = Q(pk__in=[])
    for pair in pairs:
        source = Q(source_language=pair.source) | Q(source_language="")
        matches |= Q(target_language=pair.target) & source
    return matches


def language_pairs_of(translator_id: int) -> QuerySet[LanguagePairView]:
    return LanguagePairView.objects.filter(translator_id=translator_id)


def all_requests() -> QuerySet[RequestView]:
    return RequestView.objects.all()


def requests_of_document(document_id: uuid.UUID) -> QuerySet[RequestView]:
    return RequestView.objects.filter(document_id=document_id)


def request(request_id: uuid.UUID) -> RequestView | None:
    return RequestView.objects.filter(pk=request_id).first()


def translators_offered(request: RequestView) -> list[int]:
    """The translators whose pairs offer them this open request (who have not declined it):
    into its target language, from its source language or from any when it was not said."""
    pairs = LanguagePairView.objects.filter(target=request.target_language)
    if request.source_language:
        pairs = pairs.filter(source=request.source_language)
    declined = DeclineView.objects.filter(request=request).values("translator_id")
    return sorted(
        set(pairs.exclude(translator_id__in=declined).values_list("translator_id", flat=True))
    )


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    position: int
    occurred_at: datetime
    who: str
    what: str
    event_type: str
    details: list[tuple[str, str]]


_PEOPLE = ("customer_id", "translator_id")  # data fields that name a user by id


def request_history(request_id: uuid.UUID) -> list[HistoryEntry]:
    """A request's events from the event store as people read them: who (by name), what,
    when, and the event's data, people named too (one query for all the names)."""
    events = read_stream(request_id)
    people = {e.metadata.get("actor", "") for e in events} | {
        f"user:{e.data[key]}" for e in events for key in _PEOPLE if e.data.get(key) is not None
    }
    names = actor_labels(people)
    return [
        HistoryEntry(
            version=e.version,
            position=e.position,
            occurred_at=e.occurred_at,
            who=names.get(e.metadata.get("actor", ""), "someone"),
            what=_words(e.event_type.rpartition(".")[2]),
            event_type=e.event_type,
            details=[
                (key.replace("_", " "), names[f"user:{value}"] if key in _PEOPLE else str(value))
                for key, value in e.data.items()
                if value not in (None, "")
            ],
        )
        for e in events
    ]


def _words(name: str) -> str:
    """``TranslationAccepted`` -> ``Translation accepted``."""
    return re.sub(r"(?<=[a-z])([A-Z])", lambda m: " " + m.group(1).lower(), name)

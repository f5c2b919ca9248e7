"""Consumers: named groups of handlers, one per event type, applied once and in order.

Apps declare their consumers (``consumers`` on their AppConfig). Whatever carries the event
(the Kafka consumer loop or the in-process bus), it reaches the handler through
``apply_event``: the consumer's inbox cursor for the event's stream moves from version k-1
to k in the same transaction as the handler's effects, so a redelivered or replayed event is
skipped and an early one (k+1 before k) is parked until its predecessor is applied. The
handler runs inside an operation that continues the event's correlation id and trace, with
the event as cause.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from opentelemetry.trace import SpanKind

from eventstore.context import operation, system_actor
from eventstore.declarations import Registry
from eventstore.models import Stream
from eventstore.store import RecordedEvent
from messaging.models import InboxCursor, ParkedEvent
from messaging.tracing import continue_trace
from messaging.wire import context_topic

Handler = Callable[[RecordedEvent], None]


@dataclass(frozen=True)
class Consumer:
    """``name`` is the Kafka consumer group (and the inbox key); ``contexts`` are the
    bounded contexts whose topics it reads."""

    name: str
    contexts: tuple[str, ...]
    handlers: Mapping[str, Handler] = field(default_factory=dict)

    @property
    def topics(self) -> list[str]:
        return [context_topic(context) for context in self.contexts]

    @property
    def actor(self) -> str:
        return system_actor(f"consumer:{self.name}")


# Declared by the apps as ``consumers`` on their AppConfig.
consumers: Registry[Consumer] = Registry("consumer", "consumers")


def get_consumer(name: str) -> Consumer:
    return consumers.get(name)


def all_consumers() -> list[Consumer]:
    return consumers.all()


def consumers_of(topic: str) -> list[Consumer]:
    return [c for c in consumers.all() if topic in c.topics]


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "applied before"  # a redelivery or a replay
    PARKED = "parked"  # an earlier version of its stream is not applied yet


def apply_event(consumer: Consumer, event: RecordedEvent, *, topic: str = "") -> Outcome:
    """Apply one event if it is the next version of its stream for this consumer (its
    handler, if it has one for the type, runs then); skip it if it was applied before; park
    it if its predecessor was not applied yet. Raises what the handler raises (nothing of the
    attempt is kept then)."""
    with transaction.atomic():
        cursor = locked_cursor(consumer, event.stream_id)
        if event.version <= cursor.version:
            return Outcome.DUPLICATE
        if event.version > cursor.version + 1:
            _park(consumer, event, topic)
            return Outcome.PARKED
        cursor.version, cursor.event_id = event.version, event.event_id
        cursor.save(update_fields=["version", "event_id", "applied_at"])
        handler = consumer.handlers.get(event.event_type)
        if handler is not None:
            with handling(consumer, event):
                handler(event)
        ParkedEvent.objects.filter(
            consumer=consumer.name, stream_id=event.stream_id, version__lte=event.version
        ).delete()
    return Outcome.APPLIED


def locked_cursor(consumer: Consumer, stream_id: uuid.UUID) -> InboxCursor:
    """The consumer's cursor of a stream (version 0 if it has applied nothing of it yet),
    locked until the caller's transaction ends: whatever decides on the stream for the
    consumer (apply, park, skip) does so one at a time, also before its first event."""
    InboxCursor.objects.bulk_create(
        [InboxCursor(consumer=consumer.name, stream_id=stream_id, version=0)],
        ignore_conflicts=True,
    )
    return InboxCursor.objects.select_for_update().get(consumer=consumer.name, stream_id=stream_id)


def parked_next(consumer: Consumer, stream_id: uuid.UUID) -> RecordedEvent | None:
    """The parked event that comes right after what the consumer applied of the stream."""
    applied = (
        InboxCursor.objects.filter(consumer=consumer.name, stream_id=stream_id)
        .values_list("version", flat=True)
        .first()
    ) or 0
    parked = ParkedEvent.objects.filter(
        consumer=consumer.name, stream_id=stream_id, version=applied + 1
    ).first()
    return RecordedEvent.from_envelope(parked.envelope) if parked is not None else None


def streams_ready(consumer: Consumer) -> list[uuid.UUID]:
    """Streams whose next parked event has its predecessor applied (the predecessor's
    application raced the parking, or a dead letter was resolved elsewhere)."""
    applied = InboxCursor.objects.filter(
        consumer=consumer.name, stream_id=OuterRef("stream_id"), version=OuterRef("version") - 1
    )
    ready = ParkedEvent.objects.filter(consumer=consumer.name).filter(Exists(applied))
    return list(ready.values_list("stream_id", flat=True).distinct())


def start_at_heads(consumer: Consumer) -> int:
    """Counts every stream of the consumer's contexts as applied up to its current version,
    where the consumer has no place in it yet: for a consumer that joins late (or whose
    topics no longer hold the early events) and only cares about what happens from now on.
    Returns how many streams it starts in. (To apply the past instead: ``replay_events``.)"""
    cursors = InboxCursor.objects.filter(consumer=consumer.name)
    before = cursors.count()
    for context in consumer.contexts:
        heads = Stream.objects.filter(stream_type__startswith=f"{context}.")
        InboxCursor.objects.bulk_create(
            (
                InboxCursor(consumer=consumer.name, stream_id=stream_id, version=version)
                for stream_id, version in heads.values_list("stream_id", "version").iterator()
            ),
            batch_size=1000,
            ignore_conflicts=True,
        )
    return cursors.count() - before


def _park(consumer: Consumer, event: RecordedEvent, topic: str) -> None:
    ParkedEvent.objects.get_or_create(
        consumer=consumer.name,
        stream_id=event.stream_id,
        version=event.version,
        defaults={
            "event_id": event.event_id,
            "event_type": event.event_type,
            "topic": topic,
            "envelope": json.loads(json.dumps(event.envelope())),
        },
    )


@contextmanager
def handling(consumer: Consumer, event: RecordedEvent) -> Iterator[None]:
    """The operation a handler runs in: the event's correlation id and trace continue, the
    event is the cause, and the consumer is the actor of whatever the handler appends."""
    with (
        continue_trace(
            event.metadata.get("traceparent"),
            f"{consumer.name} process {event.event_type}",
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.consumer.group.name": consumer.name,
                "messaging.message.id": str(event.event_id),
            },
        ) as traceparent,
        operation(
            actor=consumer.actor,
            correlation_id=event.metadata.get("correlation_id"),
            causation_id=str(event.event_id),
            request_id=event.metadata.get("request_id"),
            traceparent=traceparent,
        ),
    ):
        yield

"""Consumers: named groups of handlers, one per event type, applied effectively once.

Apps declare their consumers in ``AppConfig.ready()``. Whatever carries the event (the Kafka
consumer loop or the in-process bus), it reaches the handler through ``apply_event``: the
inbox row and the handler's effects commit in one transaction, and the handler runs inside
an operation that continues the event's correlation id and trace, with the event as cause.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from opentelemetry.trace import SpanKind

from eventstore.context import operation, system_actor
from eventstore.declarations import Registry
from eventstore.registry import registry
from eventstore.store import RecordedEvent
from messaging.models import InboxEntry
from messaging.topics import context_topic
from messaging.tracing import continue_trace

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


def event_from_envelope(envelope: Mapping[str, Any]) -> RecordedEvent:
    """The inverse of ``RecordedEvent.envelope``, with old schema versions upcast."""
    schema_version, data = registry.upcast(
        envelope["event_type"], envelope["schema_version"], envelope["data"]
    )
    return RecordedEvent(
        event_id=uuid.UUID(envelope["event_id"]),
        stream_type=envelope["stream_type"],
        stream_id=uuid.UUID(envelope["stream_id"]),
        version=envelope["version"],
        position=envelope["position"],
        log_tx=envelope.get("log_tx", 0),
        event_type=envelope["event_type"],
        schema_version=schema_version,
        occurred_at=datetime.fromisoformat(envelope["occurred_at"]),
        data=data,
        metadata=envelope["metadata"],
        prev_hash=envelope["prev_hash"],
        hash=envelope["hash"],
    )


def apply_event(consumer: Consumer, event: RecordedEvent) -> bool:
    """Apply one event once. Returns False if the consumer had already applied it (a
    redelivery or a replay) or has no handler for its type."""
    handler = consumer.handlers.get(event.event_type)
    if handler is None:
        return False
    with transaction.atomic():
        _, created = InboxEntry.objects.get_or_create(
            consumer=consumer.name, event_id=event.event_id, defaults={"position": event.position}
        )
        if not created:
            return False
        with handling(consumer, event):
            handler(event)
    return True


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

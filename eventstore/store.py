"""Append to and read from the event store.

``append`` is the one way events are written. It runs in the caller's transaction, so the
caller's other writes (read models, outbox entries) commit or roll back with the events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from eventstore.context import ACTOR_PATTERN, current_operation, new_traceparent
from eventstore.exceptions import (
    ConcurrencyError,
    EventStoreError,
    InvalidEventData,
    MissingActor,
)
from eventstore.hashing import NotCanonical, chain_hash, event_content, stored_json
from eventstore.models import ChainHead, Event, OutboxEntry
from eventstore.registry import registry
from eventstore.signals import events_committed


@dataclass(frozen=True)
class NewEvent:
    """An event a command decided on, before it is stored."""

    event_type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class RecordedEvent:
    """A stored event as readers see it: ``data`` is upcast to the current schema version."""

    event_id: uuid.UUID
    stream_type: str
    stream_id: uuid.UUID
    version: int
    position: int
    event_type: str
    schema_version: int
    occurred_at: datetime
    data: dict[str, Any]
    metadata: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: Event) -> RecordedEvent:
        schema_version, data = registry.upcast(row.event_type, row.schema_version, row.data)
        return cls(
            event_id=row.event_id,
            stream_type=row.stream_type,
            stream_id=row.stream_id,
            version=row.version,
            position=row.position,
            event_type=row.event_type,
            schema_version=schema_version,
            occurred_at=row.occurred_at,
            data=data,
            metadata=row.metadata,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def envelope(self) -> dict[str, Any]:
        """The event as published: the stored row's fields, JSON-ready."""
        return {
            "event_id": str(self.event_id),
            "stream_type": self.stream_type,
            "stream_id": str(self.stream_id),
            "version": self.version,
            "position": self.position,
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
            "metadata": self.metadata,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def topic_for(event_type: str) -> str:
    """One topic per bounded context, e.g. ``documents.events``."""
    return f"{settings.KAFKA_TOPIC_PREFIX}{registry.get(event_type).context}.events"


def append(
    *,
    stream_type: str,
    stream_id: uuid.UUID,
    expected_version: int,
    events: Sequence[NewEvent],
    actor: str | None = None,
) -> list[RecordedEvent]:
    """Append ``events`` to a stream that must be at ``expected_version`` (0: a new stream).

    Validates each event's data against its registered schema, stamps the metadata of the
    current operation, extends the hash chain and writes one outbox entry per event.
    Raises ``ConcurrencyError`` if another writer appended to the stream first.
    """
    if not events:
        raise EventStoreError("nothing to append")
    if expected_version < 0:
        raise EventStoreError("expected_version must be 0 (new stream) or more")
    events = [NewEvent(e.event_type, _as_stored(e.event_type, e.data)) for e in events]
    for event in events:
        registry.validate(event.event_type, event.data)
    metadata = _metadata(actor)

    with transaction.atomic():
        # The row lock on the head is held until the caller's transaction ends: it is what
        # orders appends, so take it before reading the stream's version.
        head = ChainHead.objects.select_for_update().get(pk=1)
        actual = Event.objects.filter(stream_id=stream_id).aggregate(v=Max("version"))["v"] or 0
        if actual != expected_version:
            raise ConcurrencyError(
                stream_id=stream_id, expected_version=expected_version, actual_version=actual
            )
        now = timezone.now()
        rows = []
        prev_hash = head.hash
        for offset, event in enumerate(events, start=1):
            row = Event(
                position=head.position + offset,
                event_id=uuid.uuid4(),
                stream_type=stream_type,
                stream_id=stream_id,
                version=expected_version + offset,
                event_type=event.event_type,
                schema_version=registry.get(event.event_type).schema_version,
                occurred_at=now,
                data=event.data,
                metadata=metadata,
                prev_hash=prev_hash,
            )
            row.hash = chain_hash(prev_hash, event_content(row))
            prev_hash = row.hash
            rows.append(row)
        # The unique (stream_id, version) constraint stays as the database's own backstop.
        Event.objects.bulk_create(rows)
        ChainHead.objects.filter(pk=1).update(position=rows[-1].position, hash=rows[-1].hash)
        OutboxEntry.objects.bulk_create(
            OutboxEntry(
                event=row, topic=topic_for(row.event_type), key=str(stream_id), created_at=now
            )
            for row in rows
        )
        transaction.on_commit(_announce_commit, robust=True)
    return [RecordedEvent.from_row(row) for row in rows]


def read_stream(stream_id: uuid.UUID, *, after_version: int = 0) -> list[RecordedEvent]:
    """The events of one stream in version order, optionally only those after a version."""
    rows = Event.objects.filter(stream_id=stream_id, version__gt=after_version).order_by("version")
    return [RecordedEvent.from_row(row) for row in rows]


def stream_version(stream_id: uuid.UUID) -> int:
    return Event.objects.filter(stream_id=stream_id).aggregate(v=Max("version"))["v"] or 0


def read_all(
    *, after_position: int = 0, limit: int = 500, event_types: Iterable[str] | None = None
) -> list[RecordedEvent]:
    """One page of the global log, in position order, after ``after_position``.

    A catch-up reader passes the last position it has seen; since positions become visible
    in commit order, nothing committed later can appear behind it.
    """
    rows = Event.objects.filter(position__gt=after_position)
    if event_types is not None:
        rows = rows.filter(event_type__in=list(event_types))
    return [RecordedEvent.from_row(row) for row in rows.order_by("position")[:limit]]


def iter_all(
    *, after_position: int = 0, page_size: int = 500, event_types: Iterable[str] | None = None
) -> Iterator[RecordedEvent]:
    """Every event after ``after_position``, read page by page (keyset, no OFFSET)."""
    types = list(event_types) if event_types is not None else None
    while page := read_all(after_position=after_position, limit=page_size, event_types=types):
        yield from page
        after_position = page[-1].position


def _metadata(actor: str | None) -> dict[str, Any]:
    op = current_operation()
    actor = actor or (op.actor if op else None)
    if not actor or not ACTOR_PATTERN.match(actor):
        raise MissingActor(
            f"events need an actor like 'user:<id>' or 'system:<name>', got {actor!r}: "
            "append inside eventstore.context.operation(actor=...)"
        )
    return {
        "correlation_id": op.correlation_id if op else str(uuid.uuid4()),
        "causation_id": op.causation_id if op else None,
        "actor": actor,
        "request_id": op.request_id if op else None,
        "traceparent": (op.traceparent if op else None) or new_traceparent(),
    }


def _as_stored(event_type: str, data: Any) -> Any:
    """Data exactly as it will read back from the database, so the hash is reproducible."""
    try:
        return stored_json(data)[0]
    except NotCanonical as exc:
        raise InvalidEventData(event_type, [f"not storable as canonical JSON: {exc}"]) from None


def _announce_commit() -> None:
    events_committed.send(sender=Event)

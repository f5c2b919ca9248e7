"""Loading and saving aggregates: state folded from a stream, with snapshots for long ones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import transaction

from eventstore.models import Snapshot
from eventstore.projections import Projection
from eventstore.store import NewEvent, RecordedEvent, append, read_stream


class Aggregate:
    """Base of the domain aggregates: subclasses fold events in ``apply`` and decide new
    events in command methods. ``version`` is the stream version the state reflects.

    To be snapshotted, a subclass implements ``snapshot_state``/``restore_snapshot`` and
    bumps ``snapshot_schema_version`` whenever that state's shape changes.
    """

    stream_type: ClassVar[str]
    snapshot_schema_version: ClassVar[int] = 1

    def __init__(self, stream_id: uuid.UUID) -> None:
        self.stream_id = stream_id
        self.version = 0

    def apply(self, event: RecordedEvent) -> None:
        raise NotImplementedError

    def snapshot_state(self) -> dict[str, Any] | None:
        """JSON-ready state, or None if this aggregate is not snapshotted."""
        return None

    def restore_snapshot(self, state: dict[str, Any]) -> None:
        raise NotImplementedError


A = TypeVar("A", bound=Aggregate)


def load_aggregate(cls: type[A], stream_id: uuid.UUID) -> A:
    """The aggregate's current state: its latest usable snapshot plus the events after it."""
    aggregate = cls(stream_id)
    snapshot = Snapshot.objects.filter(
        stream_id=stream_id,
        snapshot_type=cls.stream_type,
        schema_version=cls.snapshot_schema_version,
    ).first()
    if snapshot is not None:
        aggregate.restore_snapshot(snapshot.state)
        aggregate.version = snapshot.version
    for event in read_stream(stream_id, after_version=aggregate.version):
        aggregate.apply(event)
        aggregate.version = event.version
    return aggregate


def save_aggregate(
    aggregate: Aggregate,
    events: Sequence[NewEvent],
    *,
    actor: str | None = None,
    projections: Sequence[Projection] = (),
) -> list[RecordedEvent]:
    """Append the events the aggregate decided, at the version it was loaded at, fold them
    in and into the given read models, all in one transaction; takes a snapshot when the
    stream crosses a multiple of the snapshot interval."""
    if not events:
        return []
    every = settings.EVENTSTORE_SNAPSHOT_EVERY
    with transaction.atomic():
        before = aggregate.version
        recorded = append(
            stream_type=aggregate.stream_type,
            stream_id=aggregate.stream_id,
            expected_version=before,
            events=events,
            actor=actor,
        )
        for event in recorded:
            aggregate.apply(event)
            aggregate.version = event.version
            for projection in projections:
                if event.event_type in projection.event_types:
                    projection.apply(event)
        state = aggregate.snapshot_state()
        if state is not None and every > 0 and aggregate.version // every > before // every:
            Snapshot.objects.update_or_create(
                stream_id=aggregate.stream_id,
                snapshot_type=aggregate.stream_type,
                defaults={
                    "schema_version": aggregate.snapshot_schema_version,
                    "version": aggregate.version,
                    "state": state,
                },
            )
    return recorded

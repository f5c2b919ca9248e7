"""Re-publishing stored events, for a consumer that lost its state or a new one catching up.

Replayed events are the stored ones, unchanged (same event ids), so consumers whose inbox
already holds them skip them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from eventstore.log import LOG_START
from eventstore.models import Event
from eventstore.store import recorded_events
from messaging.bus import Publisher, get_publisher
from messaging.wire import Message


@dataclass(frozen=True)
class ReplayRange:
    from_position: int | None = None
    to_position: int | None = None
    stream_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None

    def queryset(self):
        rows = Event.objects.settled().in_log_order()
        if self.from_position is not None:
            rows = rows.filter(position__gte=self.from_position)
        if self.to_position is not None:
            rows = rows.filter(position__lte=self.to_position)
        if self.stream_id is not None:
            rows = rows.filter(stream_id=self.stream_id)
        if self.since is not None:
            rows = rows.filter(occurred_at__gte=self.since)
        if self.until is not None:
            rows = rows.filter(occurred_at__lt=self.until)
        return rows


class ReplayFailed(Exception):
    pass


def replay_events(
    selection: ReplayRange, *, publisher: Publisher | None = None, batch_size: int = 500
) -> int:
    """Publish the selected events in log order; returns how many were published."""
    publisher = publisher or get_publisher()
    published, after = 0, LOG_START
    while True:
        events = recorded_events(selection.queryset().after(after)[:batch_size])
        if not events:
            return published
        messages = [Message.of(e) for e in events]
        errors = {p: e for p, e in publisher.publish(messages).items() if e is not None}
        if errors:
            position = min(errors)
            raise ReplayFailed(f"publishing position {position} failed: {errors[position]}")
        published += len(events)
        after = events[-1].log_key

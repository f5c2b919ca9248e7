from __future__ import annotations

import uuid

from eventstore.store import NewEvent, RecordedEvent, append


def things(*ns: int) -> list[NewEvent]:
    return [NewEvent("testing.ThingHappened", {"n": n}) for n in ns]


def append_things(stream_id: uuid.UUID, *ns: int, expected_version: int = 0) -> list[RecordedEvent]:
    return append(
        stream_type="testing.Thing",
        stream_id=stream_id,
        expected_version=expected_version,
        events=things(*ns),
    )

"""Errors the event store raises to its callers."""

from __future__ import annotations

import uuid


class EventStoreError(Exception):
    """Base class of every error raised by the event store."""


class ConcurrencyError(EventStoreError):
    """The stream moved on since the caller read it: reload and decide again."""

    def __init__(self, *, stream_id: uuid.UUID, expected_version: int, actual_version: int):
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"stream {stream_id} is at version {actual_version}, "
            f"but version {expected_version} was expected"
        )


class UnknownEventType(EventStoreError):
    def __init__(self, event_type: str):
        self.event_type = event_type
        super().__init__(f"event type {event_type!r} is not registered")


class InvalidEventData(EventStoreError):
    """An event's data does not match its type's JSON Schema."""

    def __init__(self, event_type: str, errors: list[str]):
        self.event_type = event_type
        self.errors = errors
        super().__init__(f"invalid data for {event_type}: " + "; ".join(errors))


class MissingActor(EventStoreError):
    """Every event must name who caused it (``user:<id>`` or ``system:<name>``)."""

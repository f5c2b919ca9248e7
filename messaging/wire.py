"""What an event is on Kafka: its topic (one per bounded context, e.g. ``documents.events``),
its key (the stream id: per-stream order), its value (the envelope as JSON) and headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings

from eventstore.log import LogKey
from eventstore.registry import registry
from eventstore.store import RecordedEvent


def context_topic(context: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}{context}.events"


def topic_for(event_type: str) -> str:
    """The topic of the bounded context that owns the event type."""
    return context_topic(registry.get(event_type).context)


@dataclass(frozen=True)
class Message:
    """One event on its way out: topic, key = stream id, value = the envelope as JSON."""

    topic: str
    envelope: dict[str, Any]  # RecordedEvent.envelope()

    @classmethod
    def of(cls, event: RecordedEvent, topic: str | None = None) -> Message:
        """``event`` on its context's topic (or ``topic``)."""
        return cls(topic or topic_for(event.event_type), event.envelope())

    @cached_property
    def event(self) -> RecordedEvent:
        return RecordedEvent.from_envelope(self.envelope)

    @property
    def position(self) -> int:
        return self.envelope["position"]

    @property
    def log_key(self) -> LogKey:
        return LogKey(self.envelope["log_tx"], self.envelope["position"])

    @property
    def key(self) -> bytes:
        return self.envelope["stream_id"].encode()

    def value(self) -> bytes:
        return json.dumps(self.envelope, separators=(",", ":")).encode()

    def headers(self, *, traceparent: str | None = None) -> list[tuple[str, bytes]]:
        """The brief's headers; ``traceparent`` replaces the stored one (the relay's span)."""
        envelope, meta = self.envelope, self.envelope["metadata"]
        headers = [
            ("event_type", envelope["event_type"].encode()),
            ("event_id", envelope["event_id"].encode()),
            ("schema_version", str(envelope["schema_version"]).encode()),
        ]
        for name, value in (
            ("correlation_id", meta.get("correlation_id")),
            ("causation_id", meta.get("causation_id")),
            ("traceparent", traceparent or meta.get("traceparent")),
        ):
            if value:
                headers.append((name, value.encode()))
        headers.append(("content-type", b"application/json"))
        return headers

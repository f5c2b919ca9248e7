"""What an event is on Kafka: its topic (one per bounded context, e.g. ``documents.events``),
its key (the stream id: per-stream order), its value (the envelope as JSON) and headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings

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
    event: RecordedEvent

    @cached_property
    def envelope(self) -> dict[str, Any]:
        # Made once: the key and the headers take its ids as text.
        return self.event.envelope()

    @property
    def key(self) -> bytes:
        return self.envelope["stream_id"].encode()

    def value(self) -> bytes:
        return json.dumps(self.envelope, separators=(",", ":")).encode()

    def headers(self, *, traceparent: str | None = None) -> list[tuple[str, bytes]]:
        """The brief's headers; ``traceparent`` replaces the stored one (the relay's span)."""
        event, meta = self.event, self.event.metadata
        headers = [
            ("event_type", event.event_type.encode()),
            ("event_id", self.envelope["event_id"].encode()),
            ("schema_version", str(event.schema_version).encode()),
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

"""Where events go on Kafka: one topic per bounded context, e.g. ``documents.events``."""

from __future__ import annotations

from django.conf import settings

from eventstore.registry import registry


def context_topic(context: str) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}{context}.events"


def topic_for(event_type: str) -> str:
    """The topic of the bounded context that owns the event type."""
    return context_topic(registry.get(event_type).context)

"""The JSON Schema of each Kafka topic's messages, made from the event-type registry.

A topic carries every event type of its bounded context, and a Schema Registry subject
(``<topic>-value``, Confluent's default TopicNameStrategy) holds one line of schema versions
checked against each other. So a topic's schema is a ``oneOf`` of envelopes, one per event
type, told apart by the ``event_type`` constant, each with that type's data schema. A new
event type adds a branch (BACKWARD compatible: a reader of the new schema reads every old
message); a data change that old messages would fail (a new required field, a narrower
type) is refused by the registry.

The envelope is always the current schema version's: the relay upcasts stored data before
it publishes (``RecordedEvent.upcast``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from eventstore.registry import EventType, registry

# Draft 7: what both ends understand (the registry's checker, confluent-kafka's validator).
DIALECT = "http://json-schema.org/draft-07/schema#"

_UUID = {"type": "string", "format": "uuid"}


def envelope_schema(event_type: EventType) -> dict[str, Any]:
    """One event type's message: ``RecordedEvent.envelope`` with the type's data schema.

    The envelope itself stays open (no ``additionalProperties: false``): a field added to
    every envelope later is a compatible change for readers and writers alike."""
    properties = {
        "event_id": _UUID,
        "stream_type": {"type": "string"},
        "stream_id": _UUID,
        "version": {"type": "integer", "minimum": 1},
        "position": {"type": "integer"},
        "log_tx": {"type": "integer"},
        "event_type": {"const": event_type.name},
        "schema_version": {"const": event_type.schema_version},
        "occurred_at": {"type": "string", "format": "date-time"},
        "data": _embedded(event_type.schema),
        "metadata": {"type": "object"},
        "prev_hash": {"type": "string"},
        "hash": {"type": "string"},
    }
    return {
        "title": event_type.name,
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name != "log_tx"],
    }


def topic_schema(context: str, event_types: Iterable[EventType]) -> dict[str, Any]:
    """The schema of ``<prefix><context>.events``: the same text whatever the prefix, so
    that the registry keeps one content (and id) for it across prefixes."""
    branches = [envelope_schema(t) for t in sorted(event_types, key=lambda t: t.name)]
    return {
        "$schema": DIALECT,
        "title": f"{context}.events",
        "description": (
            f"The events of the {context} bounded context: one envelope per event type, "
            "told apart by event_type."
        ),
        "oneOf": branches,
    }


def topic_schemas() -> dict[str, dict[str, Any]]:
    """Each bounded context's topic schema, by context."""
    by_context: dict[str, list[EventType]] = {}
    for event_type in registry.all():
        by_context.setdefault(event_type.context, []).append(event_type)
    return {context: topic_schema(context, types) for context, types in by_context.items()}


def schema_text(schema: dict[str, Any]) -> str:
    """The text registered: stable (sorted keys), so that the same schema is the same
    content, and its id, every time."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


def _embedded(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The event type's data schema (its keywords mean the same in Draft 7), without a
    ``$schema`` of its own inside the envelope."""
    return {key: value for key, value in schema.items() if key != "$schema"}

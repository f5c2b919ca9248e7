"""Events on Kafka in the Confluent wire format, their schemas in a Schema Registry.

With ``SCHEMA_REGISTRY_URL`` set, each topic's schema (``messaging.schemas``) is registered
under ``<topic>-value`` with BACKWARD compatibility, and each message value is written by
confluent-kafka's ``JSONSerializer``: the magic byte 0, the schema's id (4 bytes, big
endian), then the envelope as JSON. So anybody with confluent-kafka and the registry reads
every event type without this project's code, and an incompatible change of an event type
is refused by the registry before a message goes out.

Readers tell the two formats apart by the first byte: 0 is the wire format, ``{`` the plain
JSON written without a registry (or before one was configured), which stays readable.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import structlog
from confluent_kafka.schema_registry import (
    Schema,
    SchemaRegistryClient,
    SchemaRegistryError,
    topic_subject_name_strategy,
)
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

from eventstore.registry import registry
from messaging.schemas import schema_text, topic_schemas
from messaging.wire import Message, context_topic

logger = structlog.get_logger(__name__)

MAGIC_BYTE = 0
HEADER_SIZE = 5  # the magic byte and the schema id
COMPATIBILITY = "BACKWARD"


class SchemaRegistrationFailed(Exception):
    """A topic's schema could not be registered; nothing is published under it."""


class IncompatibleSchema(SchemaRegistrationFailed):
    """The registry refused a schema (HTTP 409): it would not read what was written before."""

    def __init__(self, subject: str, reason: str, changed: list[str]) -> None:
        self.subject, self.reason, self.changed = subject, reason, changed
        which = f" (event types changed: {', '.join(changed)})" if changed else ""
        super().__init__(
            f"the schema registry refused the new schema of subject {subject!r}: it is not "
            f"{COMPATIBILITY} compatible with the registered one{which}; registry says: {reason}"
        )


def subject_for(topic: str) -> str:
    """Confluent's TopicNameStrategy for message values."""
    return f"{topic}-value"


def is_framed(value: bytes | None) -> bool:
    return bool(value) and value[0] == MAGIC_BYTE and len(value) > HEADER_SIZE


# Subjects by topic, named outright: confluent-kafka's default first asks the registry for
# "associations", an API Apicurio lacks (each ask a failed request, and one hung a consumer).
SERDE_CONF = {"validate": False, "subject.name.strategy": topic_subject_name_strategy}


def json_part(value: bytes) -> bytes:
    """The JSON of a message value in either format."""
    return value[HEADER_SIZE:] if is_framed(value) else value


def registry_client(url: str) -> SchemaRegistryClient:
    # A registry that stops answering fails the call (the relay retries later) instead of
    # hanging a relay or consumer for good.
    return SchemaRegistryClient({"url": url, "timeout": 10})


def register_schema(client: SchemaRegistryClient, subject: str, schema: dict[str, Any]) -> int:
    """Registers ``schema`` under ``subject`` (BACKWARD compatible with what is there) and
    returns its id; registering it again returns the same id."""
    try:
        client.set_compatibility(subject_name=subject, level=COMPATIBILITY)
        return client.register_schema(subject, Schema(schema_text(schema), "JSON"))
    except SchemaRegistryError as exc:
        if exc.http_status_code == 409:
            changed = _changed_event_types(client, subject, schema)
            raise IncompatibleSchema(subject, exc.error_message, changed) from None
        raise SchemaRegistrationFailed(f"registering {subject!r} failed: {exc}") from None
    except Exception as exc:  # the client's transport errors: no registry answering
        raise SchemaRegistrationFailed(
            f"registering {subject!r} failed: {type(exc).__name__}: {exc}"
        ) from None


def register_topic_schemas(client: SchemaRegistryClient) -> dict[str, int]:
    """Registers every bounded context's topic schema (``manage.py register_schemas``);
    returns the schema id by subject."""
    return {
        subject_for(context_topic(context)): register_schema(
            client, subject_for(context_topic(context)), schema
        )
        for context, schema in sorted(topic_schemas().items())
    }


def _changed_event_types(
    client: SchemaRegistryClient, subject: str, schema: dict[str, Any]
) -> list[str]:
    """The event types whose envelope differs from the latest registered version (or that
    it had and ``schema`` lacks): what the refusal is about."""
    try:
        latest = json.loads(client.get_latest_version(subject).schema.schema_str)
    except (SchemaRegistryError, ValueError):
        return []

    def branches(s: dict[str, Any]) -> dict[str, Any]:
        return {b.get("title"): b for b in s.get("oneOf", []) if isinstance(b, dict)}

    old, new = branches(latest), branches(schema)
    return sorted(name for name, branch in old.items() if new.get(name) != branch)


class EnvelopeCodec:
    """Writes and reads envelopes in the wire format; one per process (or consumer loop).

    Each topic's schema is registered once, by the first message of the topic (through the
    serializer, whose client remembers it); after that no message costs a registry call.
    """

    def __init__(self, url: str) -> None:
        self._client = registry_client(url)
        self._serializers: dict[str, tuple[JSONSerializer, SerializationContext]] = {}
        self._lock = threading.Lock()
        # No validation at either end: the store validated the data on append against the
        # same schemas, and python-jsonschema over a topic's oneOf costs milliseconds per
        # message (8 ms measured on the 2-core VM), more than the relay spends on one.
        self._deserializer = JSONDeserializer(
            None, schema_registry_client=self._client, conf=SERDE_CONF
        )

    def encode(self, message: Message) -> bytes:
        serializer, context = self._serializers.get(message.topic) or self._serializer(message)
        try:
            value = serializer(message.envelope, context)
        except SerializationError as exc:
            raise SchemaRegistrationFailed(f"serializing for {message.topic}: {exc}") from None
        assert value is not None
        return value

    def decode(self, value: bytes, *, topic: str) -> dict[str, Any]:
        """The envelope of a message value, framed (checked against the writer's schema,
        fetched by its id once) or plain JSON. Raises ``SerializationError`` for a value
        its schema refuses."""
        if not is_framed(value):
            return json.loads(value)
        try:
            envelope = self._deserializer(value, SerializationContext(topic, MessageField.VALUE))
        except SerializationError:
            raise
        except Exception as exc:
            # No registry answering, or one that lost the id: the JSON says it all, the
            # schema only checks it; a registry outage must not stop the consumers.
            logger.warning("schema_registry_unavailable", topic=topic, error=str(exc))
            envelope = json.loads(json_part(value))
        if not isinstance(envelope, dict):
            raise ValueError("the message's value is not a JSON object")
        return envelope

    def _serializer(self, message: Message) -> tuple[JSONSerializer, SerializationContext]:
        with self._lock:
            if message.topic not in self._serializers:
                context = registry.get(message.envelope["event_type"]).context
                schema = topic_schemas()[context]
                # Registered here, so that a refusal says why; the serializer's own
                # registration of the same text is then answered from the client's cache.
                register_schema(self._client, subject_for(message.topic), schema)
                serializer = JSONSerializer(
                    schema_text(schema),
                    self._client,
                    conf={**SERDE_CONF, "auto.register.schemas": True},
                )
                context = SerializationContext(message.topic, MessageField.VALUE)
                self._serializers[message.topic] = serializer, context
            return self._serializers[message.topic]


def decode_without_registry(value: bytes) -> dict[str, Any]:
    """The envelope of a value in either format, without asking a registry (no
    ``SCHEMA_REGISTRY_URL`` here, but messages written where there was one)."""
    return json.loads(json_part(value))

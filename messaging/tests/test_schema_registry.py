"""The events on Kafka carry registered schemas (a real Apicurio Registry, a real broker)."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from django.conf import settings

from eventstore.registry import registry
from eventstore.store import NewEvent, append, read_all, read_stream
from messaging.bus import KafkaPublisher
from messaging.consumers import get_consumer
from messaging.kafka_consumer import ConsumerLoop
from messaging.models import DeadLetter, RelayCheckpoint
from messaging.relay import RelayRun, destination, relay_log
from messaging.schema_registry import (
    IncompatibleSchema,
    register_schema,
    register_topic_schemas,
    registry_client,
    subject_for,
)
from messaging.schemas import topic_schema
from testkit.helpers import append_things
from testkit.kafka import read_topic
from testkit.testapp.apps import ECHO, LEDGER

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.kafka,
    pytest.mark.registry,
    pytest.mark.usefixtures("committed_db", "kafka_bus", "actor"),
]


def sample(schema: dict[str, Any]) -> Any:
    """A small instance of one of the event types' data schemas (they use few keywords)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: sample(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [sample(schema["items"])] if "items" in schema else []
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date-time":
        return "2026-11-29T09:00:00+00:00"
    if schema.get("pattern") == "^[0-9a-f]{64}$":
        return "a" * 64
    return "x" * max(schema.get("minLength", 0), 2)


def relay(**kwargs: Any) -> RelayRun:
    """A relay run once the appended events are settled: a transaction open anywhere on the
    shared PostgreSQL (other test runs) holds the log's watermark back for a moment."""
    deadline = time.monotonic() + 30
    while (run := relay_log(**kwargs)).held_back and not (run.published or run.failed):
        assert time.monotonic() < deadline, "the appended events never settled"
        time.sleep(0.1)
    return run


def topics() -> list[str]:
    contexts = {t.context for t in registry.all()}
    return sorted(f"{settings.KAFKA_TOPIC_PREFIX}{context}.events" for context in contexts)


def test_an_outside_consumer_decodes_every_event_type_with_confluent_kafka_and_the_registry():
    # given: one event of every registered type, relayed to Kafka
    for event_type in registry.all():
        append(
            stream_type=f"{event_type.context}.Sample",
            stream_id=uuid.uuid4(),
            expected_version=0,
            events=[NewEvent(event_type.name, sample(dict(event_type.schema)))],
        )
    published = 0
    while published < len(registry.names()):
        run = relay()
        assert run.failed == 0
        published += run.published

    # when: somebody with nothing but confluent-kafka and the registry's URL reads the topics,
    # checking each message against the schema its id names (the deserializer's default)
    client = SchemaRegistryClient({"url": settings.SCHEMA_REGISTRY_URL})
    deserializer = JSONDeserializer(None, schema_registry_client=client)
    decoded = {}
    messages = read_topic(topics(), len(registry.names()), timeout=60)
    assert len(messages) == len(registry.names())
    for message in messages:
        value = message.value()
        assert value[0] == 0  # the magic byte
        subject = f"{message.topic()}-value"
        assert int.from_bytes(value[1:5], "big") == client.get_latest_version(subject).schema_id
        envelope = deserializer(value, SerializationContext(message.topic(), MessageField.VALUE))
        decoded[envelope["event_type"]] = envelope

    # then: every event type, as stored, under subjects that keep BACKWARD compatibility
    assert sorted(decoded) == registry.names()
    for event in read_all():
        assert decoded[event.event_type] == json.loads(json.dumps(event.envelope()))
    for topic in topics():
        assert client.get_compatibility(f"{topic}-value") == "BACKWARD"


def test_an_incompatible_change_of_an_event_schema_is_refused_naming_the_subject_and_why():
    client = registry_client(settings.SCHEMA_REGISTRY_URL)
    register_topic_schemas(client)
    subject = subject_for(f"{settings.KAFKA_TOPIC_PREFIX}translations.events")
    types = [t for t in registry.all() if t.context == "translations"]

    def changed(name: str, **properties: Any) -> list:
        """The translations types, with ``name``'s data given more properties."""
        result = []
        for t in types:
            if t.name == name:
                schema = json.loads(json.dumps(dict(t.schema)))
                schema["properties"].update(properties)
                t = dataclasses.replace(t, schema=schema)
            result.append(t)
        return result

    # a new optional field: old messages still fit, so the registry takes it
    compatible = changed("translations.TranslationAccepted", note={"type": "string"})
    assert register_schema(client, subject, topic_schema("translations", compatible)) > 0

    # a new required field: old messages lack it
    incompatible = changed("translations.TranslationAccepted", rate={"type": "integer"})
    for t in incompatible:
        if t.name == "translations.TranslationAccepted":
            t.schema["required"].append("rate")
    with pytest.raises(IncompatibleSchema) as refused:
        register_schema(client, subject, topic_schema("translations", incompatible))

    assert refused.value.subject == subject
    assert refused.value.changed == ["translations.TranslationAccepted"]
    message = str(refused.value)
    assert subject in message and "BACKWARD" in message
    assert "translations.TranslationAccepted" in message
    assert "ncompatible" in refused.value.reason  # the registry's own words


def test_the_relay_publishes_nothing_under_a_schema_the_registry_refuses_and_says_why():
    # given: the registry already holds a schema of the testing topic with an event type
    # that this version of the code no longer has (dropping a type is not BACKWARD)
    client = registry_client(settings.SCHEMA_REGISTRY_URL)
    subject = subject_for(f"{settings.KAFKA_TOPIC_PREFIX}testing.events")
    gone = dataclasses.replace(registry.get("testing.ThingHappened"), name="testing.ThingGone")
    testing_types = [t for t in registry.all() if t.context == "testing"]
    register_schema(client, subject, topic_schema("testing", [*testing_types, gone]))
    append_things(uuid.uuid4(), 1)

    run = relay()

    assert (run.published, run.failed) == (0, 1)
    error = RelayCheckpoint.objects.get(name=destination()).last_error
    assert "IncompatibleSchema" in error and subject in error and "testing.ThingGone" in error


def test_consumers_read_plain_json_written_before_the_registry_and_the_wire_format_after():
    # given: an event relayed as plain JSON (by a relay without a registry), then two
    # relayed in the wire format
    stream = uuid.uuid4()
    append_things(stream, 1)
    assert relay(publisher=KafkaPublisher(settings.KAFKA_BOOTSTRAP_SERVERS)).published == 1
    append_things(stream, 2, 3, expected_version=1)
    assert relay().published == 2
    values = [m.value() for m in read_topic(f"{settings.KAFKA_TOPIC_PREFIX}testing.events", 3)]
    assert [v[:1] for v in values] == [b"{", b"\x00", b"\x00"]

    # when
    ConsumerLoop(get_consumer(ECHO)).run(max_messages=3)

    # then: all three applied, in order, none dead-lettered
    assert [e.data["n"] for e in read_stream(LEDGER)] == [1, 2, 3]
    assert not DeadLetter.objects.exists()

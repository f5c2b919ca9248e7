"""Reading what actually reached the local Kafka broker."""

from __future__ import annotations

import json
import time
import uuid

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient
from django.conf import settings

from messaging.schema_registry import json_part, registry_client


def read_topic(topic: str | list[str], count: int, *, timeout: float = 30) -> list:
    """The first ``count`` messages of a topic or topics (all partitions), and any that follow
    within a second (duplicates), or fail after ``timeout``. A plain confluent-kafka consumer:
    nothing of the project's decoding."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic] if isinstance(topic, str) else topic)
    messages: list = []
    deadline = time.monotonic() + timeout
    try:
        while len(messages) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                messages.append(message)
        # A little longer, to catch duplicates beyond the expected count.
        extra_until = time.monotonic() + 1.0
        while time.monotonic() < extra_until:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                messages.append(message)
    finally:
        consumer.close()
    assert len(messages) >= count, f"only {len(messages)} of {count} messages on {topic}"
    return messages


def delete_topics(prefix: str) -> None:
    """Deletes a test's topics, so that the local broker does not pile them up run after run
    (each one slows its start-up)."""
    admin = AdminClient({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    for future in admin.delete_topics(topics, operation_timeout=10).values() if topics else []:
        future.result(timeout=15)


def envelope_of(message) -> dict:
    """A relayed message's envelope, whether its value is plain JSON or in the Confluent wire
    format (the runs with a schema registry)."""
    value = message.value()
    if settings.SCHEMA_REGISTRY_URL:
        assert value[:1] == b"\x00", "with a schema registry, values are in the wire format"
    return json.loads(json_part(value))


def delete_subjects(prefix: str) -> None:
    """Deletes a test's schema subjects (soft, then for good), if there is a registry."""
    if not settings.SCHEMA_REGISTRY_URL:
        return
    client = registry_client(settings.SCHEMA_REGISTRY_URL)
    for subject in client.get_subjects():
        if subject.startswith(prefix):
            client.delete_subject(subject)
            client.delete_subject(subject, permanent=True)

"""Reading what actually reached the local Kafka broker."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient
from django.conf import settings


def read_topic(topic: str, count: int, *, timeout: float = 30) -> list:
    """The first ``count`` messages of a topic (all partitions), or fail after ``timeout``."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
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

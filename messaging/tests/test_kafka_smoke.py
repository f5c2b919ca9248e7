"""The local Kafka broker works with confluent-kafka (the relay comes later)."""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from django.conf import settings

from testkit.kafka import delete_topics

pytestmark = pytest.mark.kafka


def test_a_message_produced_to_the_local_broker_is_consumed_with_key_and_headers():
    topic = f"smoke-{uuid.uuid4().hex}"
    bootstrap = settings.KAFKA_BOOTSTRAP_SERVERS
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    reports = []

    producer.produce(
        topic,
        key=b"stream-1",
        value=json.dumps({"hello": "kafka"}).encode(),
        headers={"event_type": b"testing.ThingHappened"},
        on_delivery=lambda err, msg: reports.append((err, msg)),
    )
    assert producer.flush(30) == 0
    ((error, delivered),) = reports
    assert error is None and delivered.offset() >= 0

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"smoke-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    try:
        message = None
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                break
        assert message is not None and message.error() is None
        assert message.key() == b"stream-1"
        assert json.loads(message.value()) == {"hello": "kafka"}
        assert dict(message.headers()) == {"event_type": b"testing.ThingHappened"}
    finally:
        consumer.close()
        delete_topics(topic)

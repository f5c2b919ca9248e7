"""The Celery broker (Redis in the distributed mode) carries messages."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Queue

pytestmark = pytest.mark.redis


def test_a_message_sent_through_the_celery_broker_comes_back():
    queue = Queue(
        f"smoke-{uuid.uuid4().hex}", Exchange("smoke", type="direct"), routing_key="smoke"
    )
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=3)
        with conn.Producer() as producer:
            producer.publish(
                {"hello": "redis"}, exchange=queue.exchange, routing_key="smoke", declare=[queue]
            )
        simple = conn.SimpleQueue(queue)
        try:
            message = simple.get(timeout=5)
            message.ack()
        finally:
            simple.clear()
            simple.close()

    assert message.payload == {"hello": "redis"}

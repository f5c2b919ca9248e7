"""The relay in a real Celery worker process, killed, and with the Kafka broker stopped."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
from django.conf import settings

from eventstore.store import iter_all
from messaging.models import RelayCheckpoint
from messaging.relay import destination
from messaging.selectors import relay_lag
from testkit.helpers import append_things
from testkit.kafka import envelope_of, read_topic
from testkit.processes import celery_worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.kafka,
    pytest.mark.redis,
    pytest.mark.usefixtures("committed_db", "kafka_bus", "thing_type", "actor"),
]


def pending() -> int:
    return relay_lag().pending


def checkpoint() -> RelayCheckpoint | None:
    return RelayCheckpoint.objects.filter(name=destination()).first()


def assert_every_event_arrived_in_stream_order(expected: int) -> None:
    """At least once: a batch in flight when the relay died may arrive twice, but every
    event is there and each stream's first copies come in version order."""
    messages = read_topic(f"{settings.KAFKA_TOPIC_PREFIX}testing.events", expected, timeout=60)
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for message in messages:
        envelope = envelope_of(message)
        if envelope["event_id"] not in seen:
            seen.add(envelope["event_id"])
            first_seen[envelope["stream_id"]].append(envelope["version"])
    assert seen == {str(e.event_id) for e in iter_all()}
    for versions in first_seen.values():
        assert versions == list(range(1, len(versions) + 1))


def test_a_relay_killed_mid_batch_publishes_everything_after_the_restart(run_process, tmp_path):
    streams = [uuid.uuid4() for _ in range(20)]
    for stream in streams:
        append_things(stream, *range(200))
    total = 20 * 200

    # Small batches: many delivery round trips, so the kill lands inside a batch.
    worker = run_process(celery_worker(tmp_path, MESSAGING_RELAY_BATCH="25"))
    wait_for(lambda: pending() <= total - 500, timeout=60, what="the relay to get going")
    worker.kill()
    left = pending()

    assert 0 < left < total  # it died mid-way, its open batch not counted as delivered
    worker.start()  # beat's sweep restarts the relay
    wait_for(lambda: pending() == 0, timeout=120, what="the relay to publish everything")
    assert_every_event_arrived_in_stream_order(total)


def test_while_kafka_is_down_the_lag_grows_and_it_drains_when_kafka_is_back(
    run_process, tmp_path, kafka_stopped
):
    run_process(celery_worker(tmp_path, MESSAGING_RELAY_DELIVERY_TIMEOUT="4"))
    stream = uuid.uuid4()
    append_things(stream, 1, 2, 3)
    wait_for(
        lambda: (c := checkpoint()) is not None and c.failures > 0,
        timeout=30,
        what="a relay run to fail",
    )
    append_things(stream, 4, 5, expected_version=3)

    lag = relay_lag()
    assert lag.pending == 5
    assert lag.oldest_age_seconds > 0
    assert "Message timed out" in lag.last_error  # from the delivery report

    start_kafka = kafka_stopped
    start_kafka()
    wait_for(lambda: pending() == 0, timeout=90, what="the relay to publish everything")
    assert_every_event_arrived_in_stream_order(5)

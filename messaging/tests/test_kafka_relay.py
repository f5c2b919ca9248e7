"""The relay and the consumer loop against the real local Kafka broker."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

import pytest
from confluent_kafka import Producer
from django.conf import settings

from eventstore.store import NewEvent, append, read_all, read_stream
from messaging.consumers import get_consumer
from messaging.dispatch import skip_dead_letter
from messaging.kafka_consumer import ConsumerLoop
from messaging.models import DeadLetter, ParkedEvent, RelayCheckpoint
from messaging.relay import destination, relay_log
from messaging.replay import ReplayRange, replay_events
from messaging.selectors import kafka_consumer_lag, relay_lag
from messaging.topics import dead_letter_topic
from testkit.concurrency import Worker
from testkit.helpers import append_things
from testkit.kafka import envelope_of, read_topic
from testkit.testapp.apps import ECHO, LEDGER

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.kafka,
    pytest.mark.usefixtures("committed_db", "kafka_bus", "thing_type", "actor"),
]


def topic_of_testing_context() -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}testing.events"


def by_stream(messages) -> dict[str, list[int]]:
    versions = defaultdict(list)
    for message in messages:
        versions[message.key().decode()].append(envelope_of(message)["version"])
    return versions


def test_relayed_events_arrive_with_key_headers_and_envelope_in_stream_order():
    streams = [uuid.uuid4() for _ in range(3)]
    for version in range(4):  # interleave the streams
        for stream in streams:
            append_things(stream, version, expected_version=version)

    run = relay_log()

    assert (run.published, run.failed) == (12, 0)
    assert relay_lag().pending == 0
    messages = read_topic(topic_of_testing_context(), 12)
    assert len(messages) == 12
    assert by_stream(messages) == {str(s): [1, 2, 3, 4] for s in streams}
    stored = {e.event_id: e for e in read_all()}
    for message in messages:
        envelope = envelope_of(message)
        event = stored[uuid.UUID(envelope["event_id"])]
        assert envelope == json.loads(json.dumps(event.envelope()))
        assert message.key() == str(event.stream_id).encode()
        assert dict(message.headers()) == {
            "event_type": b"testing.ThingHappened",
            "event_id": str(event.event_id).encode(),
            "schema_version": b"1",
            "correlation_id": event.metadata["correlation_id"].encode(),
            "traceparent": event.metadata["traceparent"].encode(),
            "content-type": b"application/json",
        }


def test_two_relays_at_once_lose_nothing_duplicate_nothing_and_keep_stream_order():
    streams = [uuid.uuid4() for _ in range(10)]
    for version in range(20):
        for stream in streams:
            append_things(stream, version, expected_version=version)

    relays = [Worker(lambda: relay_log(batch_size=7)) for _ in range(2)]
    for relay in relays:
        relay.start()
    published = sum(relay.outcome(timeout=90).published for relay in relays)

    assert published == 200
    assert by_stream(read_topic(topic_of_testing_context(), 200)) == {
        str(s): list(range(1, 21)) for s in streams
    }


class Crash(Exception):
    """Stands for the process dying after its database commit, before its offset commit."""


def test_a_consumer_that_dies_after_its_commit_does_not_apply_the_redelivery_twice():
    things = append_things(uuid.uuid4(), 1, 2, 3)
    relay_log()
    seen: list[str] = []

    def die_after_first(message) -> None:
        seen.append(envelope_of(message)["event_id"])
        if len(seen) == 1:
            raise Crash

    with pytest.raises(Crash):
        ConsumerLoop(get_consumer(ECHO), after_apply=die_after_first).run()
    ConsumerLoop(get_consumer(ECHO), after_apply=die_after_first).run(max_messages=3)

    assert seen.count(str(things[0].event_id)) == 2  # delivered again...
    assert sorted(e.data["n"] for e in read_stream(LEDGER)) == [1, 2, 3]  # ...applied once


def test_poison_messages_go_to_the_dead_letters_and_the_consumer_goes_on(settings):
    settings.MESSAGING_CONSUMER_MAX_ATTEMPTS = 2
    stream, other = uuid.uuid4(), uuid.uuid4()
    append(
        stream_type="testing.Thing",
        stream_id=stream,
        expected_version=0,
        events=[
            NewEvent("testing.ThingHappened", {"n": 1}),
            NewEvent("testing.ThingHappened", {"n": 2, "label": "poison"}),
        ],
    )
    relay_log()
    garbage = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    garbage.produce(topic_of_testing_context(), key=str(stream).encode(), value=b"{not json")
    garbage.flush(10)
    append_things(stream, 3, expected_version=2)
    append_things(other, 4)
    relay_log()

    ConsumerLoop(get_consumer(ECHO)).run(max_messages=5)

    # the other stream went on; this one waits behind its poison event
    assert sorted(e.data["n"] for e in read_stream(LEDGER)) == [1, 4]
    assert list(ParkedEvent.objects.values_list("version", flat=True)) == [3]
    letters = {letter.error: letter for letter in DeadLetter.objects.all()}
    assert set(letters) == {
        "ValueError: cannot handle thing 2",
        "undecodable message: JSONDecodeError: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)",
    }
    poison = letters["ValueError: cannot handle thing 2"]
    assert (poison.attempts, poison.stream_id, poison.version) == (2, stream, 2)
    assert poison.headers["event_type"] == "testing.ThingHappened"
    dlq = read_topic(dead_letter_topic(get_consumer(ECHO)), 2)
    assert sorted(dict(m.headers())["dlq-error"].decode()[:10] for m in dlq) == [
        "ValueError",
        "undecodabl",
    ]

    # when an operator gives up on the poison event, the stream goes on
    skip_dead_letter(poison, by="user:1")
    assert sorted(e.data["n"] for e in read_stream(LEDGER)) == [1, 3, 4]
    assert not ParkedEvent.objects.exists()


def test_a_replay_to_kafka_is_consumed_without_applying_anything_twice():
    things = append_things(uuid.uuid4(), 1, 2, 3)
    relay_log()
    ConsumerLoop(get_consumer(ECHO)).run(max_messages=3)

    # the things, not the handler output
    assert replay_events(ReplayRange(to_position=things[-1].position)) == 3
    ConsumerLoop(get_consumer(ECHO)).run(max_messages=3)  # the same group reads the copies

    assert len(read_topic(topic_of_testing_context(), 6)) == 6
    assert sorted(e.data["n"] for e in read_stream(LEDGER)) == [1, 2, 3]


def test_consumer_lag_counts_what_the_group_has_not_committed_yet():
    append_things(uuid.uuid4(), 1, 2, 3)
    relay_log()
    echo_consumer = get_consumer(ECHO)
    read_topic(topic_of_testing_context(), 3)  # the messages are on the broker

    before = kafka_consumer_lag(echo_consumer)
    ConsumerLoop(echo_consumer).run(max_messages=3)
    after = kafka_consumer_lag(echo_consumer)

    assert (before.lag, after.lag) == (3, 0)


def test_an_event_the_producer_refuses_stops_the_run_and_says_why():
    stream = uuid.uuid4()
    append_things(stream, 1)
    too_big = {"n": 2, "payload": "x" * 1_100_000}  # over the producer's message.max.bytes
    append(
        stream_type="testing.Thing",
        stream_id=stream,
        expected_version=1,
        events=[NewEvent("testing.ThingHappened", too_big)],
    )
    append_things(stream, 3, expected_version=2)

    run = relay_log()

    assert (run.published, run.failed) == (1, 1)
    assert "MSG_SIZE_TOO_LARGE" in RelayCheckpoint.objects.get(name=destination()).last_error
    assert relay_lag().pending == 2  # the refused event and the one after it wait

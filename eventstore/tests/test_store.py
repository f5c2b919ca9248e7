"""The append/read API, on whichever database the run uses (PostgreSQL and SQLite)."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.exceptions import (
    ConcurrencyError,
    InvalidEventData,
    MissingActor,
    UnknownEventType,
)
from eventstore.models import ChainHead, Event, OutboxEntry
from eventstore.store import NewEvent, append, iter_all, read_all, read_stream, stream_version
from testkit.helpers import append_things

pytestmark = pytest.mark.django_db


def test_append_numbers_versions_per_stream_and_positions_globally(thing_type, actor):
    first, second = uuid.uuid4(), uuid.uuid4()

    a = append_things(first, 1, 2)
    b = append_things(second, 3)
    c = append_things(first, 4, expected_version=2)

    assert [e.version for e in a + c] == [1, 2, 3]
    assert [e.version for e in b] == [1]
    assert [e.position for e in a + b + c] == [1, 2, 3, 4]
    assert [e.data["n"] for e in read_stream(first)] == [1, 2, 4]
    assert [e.data["n"] for e in read_stream(first, after_version=2)] == [4]
    assert stream_version(first) == 3
    assert stream_version(uuid.uuid4()) == 0


def test_append_stamps_the_current_operation_on_every_event(thing_type, stream_id):
    with operation(
        actor="user:7",
        correlation_id="11111111-1111-4111-8111-111111111111",
        causation_id="req-1",
        request_id="req-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ):
        recorded = append_things(stream_id, 1, 2)

    for event in recorded:
        assert event.metadata == {
            "correlation_id": "11111111-1111-4111-8111-111111111111",
            "causation_id": "req-1",
            "actor": "user:7",
            "request_id": "req-1",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        }
    stored = Event.objects.get(position=recorded[0].position)
    assert stored.metadata["correlation_id"] == "11111111-1111-4111-8111-111111111111"


def test_append_without_an_operation_starts_a_correlation_and_a_trace(thing_type, stream_id):
    (event,) = append(
        stream_type="testing.Thing",
        stream_id=stream_id,
        expected_version=0,
        events=[NewEvent("testing.ThingHappened", {"n": 1})],
        actor="system:test",
    )

    assert uuid.UUID(event.metadata["correlation_id"])
    assert event.metadata["actor"] == "system:test"
    assert event.metadata["traceparent"].startswith("00-")


def test_an_event_without_a_real_actor_is_refused(thing_type, stream_id):
    with pytest.raises(MissingActor):
        append_things(stream_id, 1)
    with operation(actor="user:1"), pytest.raises(MissingActor, match="'bob'"):
        append(
            stream_type="testing.Thing",
            stream_id=stream_id,
            expected_version=0,
            events=[NewEvent("testing.ThingHappened", {"n": 1})],
            actor="bob",
        )
    assert not Event.objects.exists()


def test_a_stale_expected_version_raises_a_concurrency_error(thing_type, actor, stream_id):
    append_things(stream_id, 1, 2)

    with pytest.raises(ConcurrencyError) as error:
        append_things(stream_id, 3, expected_version=1)

    assert (error.value.expected_version, error.value.actual_version) == (1, 2)
    assert "version 2" in str(error.value)
    assert [e.data["n"] for e in read_stream(stream_id)] == [1, 2]


def test_data_not_matching_the_schema_is_refused_and_nothing_is_stored(
    thing_type, actor, stream_id
):
    with pytest.raises(InvalidEventData) as error:
        append(
            stream_type="testing.Thing",
            stream_id=stream_id,
            expected_version=0,
            events=[
                NewEvent("testing.ThingHappened", {"n": 1}),
                NewEvent("testing.ThingHappened", {"n": "two", "extra": True}),
            ],
        )

    message = str(error.value)
    assert 'n: "two" is not of type "integer"' in message
    assert "'extra' was unexpected" in message
    assert not Event.objects.exists()
    assert not OutboxEntry.objects.exists()


def test_data_that_is_not_json_is_refused(thing_type, actor, stream_id):
    with pytest.raises(InvalidEventData, match="not storable as canonical JSON"):
        append(
            stream_type="testing.Thing",
            stream_id=stream_id,
            expected_version=0,
            events=[NewEvent("testing.ThingHappened", {"n": 1, "label": object()})],
        )


def test_an_unregistered_event_type_is_refused(actor, stream_id):
    with pytest.raises(UnknownEventType, match=r"testing\.Nope"):
        append(
            stream_type="testing.Thing",
            stream_id=stream_id,
            expected_version=0,
            events=[NewEvent("testing.Nope", {})],
        )


def test_each_event_gets_an_outbox_entry_for_its_contexts_topic(
    thing_type, actor, stream_id, settings
):
    settings.KAFKA_TOPIC_PREFIX = "acme."

    recorded = append_things(stream_id, 1, 2)

    entries = list(OutboxEntry.objects.order_by("id"))
    assert [e.event_id for e in entries] == [e.position for e in recorded]
    assert {e.topic for e in entries} == {"acme.testing.events"}
    assert {e.key for e in entries} == {str(stream_id)}
    assert all(e.published_at is None for e in entries)


def test_events_and_outbox_entries_roll_back_with_the_callers_transaction(
    thing_type, actor, stream_id
):
    head_before = ChainHead.objects.get()

    with pytest.raises(RuntimeError), transaction.atomic():
        append_things(stream_id, 1)
        raise RuntimeError("the caller's use case failed after appending")

    assert not Event.objects.exists()
    assert not OutboxEntry.objects.exists()
    assert ChainHead.objects.get().position == head_before.position
    # The next append reuses the position: positions stay gapless.
    assert append_things(stream_id, 2)[0].position == head_before.position + 1


def test_read_all_pages_through_the_global_order(thing_type, actor):
    for n in range(7):
        append_things(uuid.uuid4(), n)

    page = read_all(after_position=2, limit=3)

    assert [e.position for e in page] == [3, 4, 5]
    assert [e.data["n"] for e in iter_all(page_size=2)] == list(range(7))
    assert [e.position for e in read_all(after_position=7)] == []


def test_each_event_links_to_the_hash_of_the_one_before(thing_type, actor):
    events = append_things(uuid.uuid4(), 1, 2) + append_things(uuid.uuid4(), 3)

    assert events[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert ChainHead.objects.get().hash == events[-1].hash

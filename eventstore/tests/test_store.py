"""The append/read API, on whichever database the run uses (PostgreSQL and SQLite)."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.exceptions import (
    ConcurrencyError,
    EventStoreError,
    InvalidEventData,
    MissingActor,
    UnknownEventType,
)
from eventstore.hashing import GENESIS_HASH, chain_hash, event_content
from eventstore.models import Event, Stream
from eventstore.signals import events_committed
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
    positions = [e.position for e in a + b + c]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert [e.position for e in read_all()] == positions  # one transaction: append order
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
    assert stream_version(stream_id) == 0


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


def test_an_append_moves_the_streams_head_with_its_last_hash(thing_type, actor, stream_id):
    events = append_things(stream_id, 1, 2)
    more = append_things(stream_id, 3, expected_version=2)

    head = Stream.objects.get(pk=stream_id)
    assert (head.stream_type, head.version, head.hash) == ("testing.Thing", 3, more[-1].hash)
    assert head.log_tx == more[-1].log_tx >= events[-1].log_tx


def test_events_and_the_stream_head_roll_back_with_the_callers_transaction(
    thing_type, actor, stream_id
):
    with pytest.raises(RuntimeError), transaction.atomic():
        append_things(stream_id, 1)
        raise RuntimeError("the caller's use case failed after appending")

    assert not Event.objects.filter(stream_id=stream_id).exists()
    assert stream_version(stream_id) == 0
    assert append_things(stream_id, 2)[0].version == 1  # the stream starts again at 1


def test_the_commit_is_announced_after_it_happened_not_before(
    thing_type, actor, stream_id, django_capture_on_commit_callbacks
):
    heard: list[object] = []

    def listener(sender, **_kwargs) -> None:
        heard.append(sender)

    events_committed.connect(listener, weak=False, dispatch_uid="test-listener")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            append_things(stream_id, 1)
        assert heard == []  # not yet committed
        for callback in callbacks:
            callback()
    finally:
        events_committed.disconnect(dispatch_uid="test-listener")

    assert heard == [Event]


def test_an_event_of_another_context_is_refused_on_a_stream(actor, stream_id):
    with pytest.raises(EventStoreError, match="belongs to the 'testing' context"):
        append(
            stream_type="documents.Document",
            stream_id=stream_id,
            expected_version=0,
            events=[NewEvent("testing.ThingHappened", {"n": 1})],
        )
    for forged in ('testing."Thing"', "testing.Thing\n"):  # nothing JSON would escape
        with pytest.raises(EventStoreError, match="stream types look like"):
            append(
                stream_type=forged,
                stream_id=stream_id,
                expected_version=0,
                events=[NewEvent("testing.ThingHappened", {"n": 1})],
            )


def test_read_all_pages_through_the_global_order(thing_type, actor):
    for n in range(7):
        append_things(uuid.uuid4(), n)
    everything = read_all()

    page = read_all(after=everything[1].log_key, limit=3)

    assert page == everything[2:5]
    assert [e.data["n"] for e in everything] == list(range(7))
    assert [e.data["n"] for e in iter_all(page_size=2)] == list(range(7))
    assert read_all(after=everything[-1].log_key) == []


def test_each_event_links_to_the_hash_of_its_streams_event_before(thing_type, actor):
    first, second = uuid.uuid4(), uuid.uuid4()
    a = append_things(first, 1, 2)
    b = append_things(second, 3)
    c = append_things(first, 4, expected_version=2)

    assert [e.prev_hash for e in a + c] == [GENESIS_HASH, a[0].hash, a[1].hash]
    assert b[0].prev_hash == GENESIS_HASH
    for event in a + b + c:  # the database's hash is the one Python computes from the row
        row = Event.objects.get(position=event.position)
        assert (row.prev_hash, row.hash) == (event.prev_hash, event.hash)
        assert chain_hash(row.prev_hash, event_content(row)) == row.hash

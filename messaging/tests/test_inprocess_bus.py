"""The embedded bus: after commit, this process's consumers get the events through the inbox."""

from __future__ import annotations

import uuid

import pytest

from eventstore.store import read_stream
from messaging.consumers import Outcome, apply_event, get_consumer
from messaging.models import DeadLetter, InboxCursor, ParkedEvent
from messaging.selectors import relay_lag
from testkit.helpers import append_things
from testkit.testapp.apps import ECHO, LEDGER

pytestmark = pytest.mark.django_db


def test_after_commit_a_consumer_reacts_with_the_events_ids_as_cause(
    relay_on_commit, thing_type, actor, stream_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (thing,) = append_things(stream_id, 7)

    (handled,) = read_stream(LEDGER)
    assert handled.data == {"handled_event_id": str(thing.event_id), "n": 7}
    assert handled.metadata["causation_id"] == str(thing.event_id)
    assert handled.metadata["correlation_id"] == thing.metadata["correlation_id"]
    assert handled.metadata["traceparent"] == thing.metadata["traceparent"]
    assert handled.metadata["actor"] == f"system:consumer:{ECHO}"
    assert relay_lag().pending == 0


def test_nothing_happens_before_commit(relay_on_commit, thing_type, actor, stream_id):
    append_things(stream_id, 1)  # the test's transaction never commits

    assert read_stream(LEDGER) == []
    assert relay_lag().pending == 1


def test_an_event_delivered_again_is_not_applied_twice(
    relay_on_commit, thing_type, actor, stream_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (thing,) = append_things(stream_id, 1)

    assert apply_event(get_consumer(ECHO), thing) is Outcome.DUPLICATE

    assert len(read_stream(LEDGER)) == 1
    cursor = InboxCursor.objects.get(consumer=ECHO, stream_id=stream_id)
    assert (cursor.version, cursor.event_id) == (1, thing.event_id)


def test_a_poison_event_is_dead_lettered_its_stream_waits_and_other_streams_go_on(
    relay_on_commit, thing_type, actor, stream_id, django_capture_on_commit_callbacks
):
    from eventstore.store import NewEvent, append

    with django_capture_on_commit_callbacks(execute=True):
        poison, behind = append(
            stream_type="testing.Thing",
            stream_id=stream_id,
            expected_version=0,
            events=[
                NewEvent("testing.ThingHappened", {"n": 1, "label": "poison"}),
                NewEvent("testing.ThingHappened", {"n": 2}),
            ],
        )
        append_things(uuid.uuid4(), 3)  # another stream

    letter = DeadLetter.objects.get()
    assert (letter.consumer, letter.event_id, letter.attempts) == (ECHO, str(poison.event_id), 3)
    assert (letter.stream_id, letter.version) == (stream_id, 1)
    assert letter.error == "ValueError: cannot handle thing 1"
    assert letter.headers["correlation_id"] == poison.metadata["correlation_id"]
    assert [e.data["n"] for e in read_stream(LEDGER)] == [3]  # the other stream went on
    (parked,) = ParkedEvent.objects.all()
    assert (parked.consumer, parked.event_id, parked.version) == (ECHO, behind.event_id, 2)
    assert InboxCursor.objects.get(consumer=ECHO, stream_id=stream_id).version == 0

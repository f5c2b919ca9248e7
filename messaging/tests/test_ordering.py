"""Consumers apply each stream in version order, once: an early event waits for its
predecessor, also across dead letters retried or skipped in any order."""

from __future__ import annotations

import threading
import uuid

import pytest

from eventstore.context import operation
from eventstore.store import read_stream
from messaging.consumers import Outcome, apply_event, get_consumer
from messaging.dispatch import (
    deliver,
    drain_ready,
    record_dead_letter,
    retry_dead_letter,
    skip_dead_letter,
)
from messaging.models import DeadLetter, InboxCursor, ParkedEvent
from testkit.concurrency import Worker, wait_until_blocked_on_lock
from testkit.helpers import append_things
from testkit.testapp.apps import ECHO, LEDGER, THING_HAPPENED

pytestmark = pytest.mark.usefixtures("thing_type")


def ledger() -> list[int]:
    """What the echo consumer handled, in the order it handled it."""
    return [e.data["n"] for e in read_stream(LEDGER)]


class Letters:
    """Dead letters kept in the table, as the in-process bus keeps them."""

    def __call__(self, event, error: str, attempts: int) -> None:
        record_dead_letter(
            get_consumer(ECHO), topic="testing.events", payload=_envelope(event),
            error=error, attempts=attempts,
        )  # fmt: skip

    def of(self, event) -> DeadLetter:
        return DeadLetter.objects.get(event_id=str(event.event_id))


def _envelope(event) -> str:
    import json

    return json.dumps(event.envelope())


@pytest.fixture
def flaky(monkeypatch, settings):
    """The echo handler fails for the ``n`` in ``failing`` until they are removed."""
    settings.MESSAGING_CONSUMER_MAX_ATTEMPTS = 2
    failing: set[int] = set()
    consumer = get_consumer(ECHO)
    handle = consumer.handlers[THING_HAPPENED.name]

    def sometimes(event) -> None:
        if event.data["n"] in failing:
            raise TimeoutError(f"thing {event.data['n']}: the database was away")
        handle(event)

    monkeypatch.setitem(consumer.handlers, THING_HAPPENED.name, sometimes)  # type: ignore[index]
    return failing


@pytest.mark.django_db
def test_an_early_event_waits_for_its_predecessor_and_follows_it(actor, stream_id):
    first, second, third = append_things(stream_id, 1, 2, 3)
    echo = get_consumer(ECHO)

    assert apply_event(echo, third) is Outcome.PARKED
    assert apply_event(echo, second) is Outcome.PARKED
    assert ledger() == []  # no handler saw them

    assert deliver(echo, first, dead_letter=Letters(), sleep=False) is Outcome.APPLIED

    assert ledger() == [1, 2, 3]
    assert not ParkedEvent.objects.exists()
    assert InboxCursor.objects.get(consumer=ECHO, stream_id=stream_id).version == 3


@pytest.mark.django_db
def test_a_redelivered_or_replayed_event_is_skipped(actor, stream_id):
    first, second = append_things(stream_id, 1, 2)
    echo = get_consumer(ECHO)
    for event in (first, second):
        apply_event(echo, event)

    assert apply_event(echo, first) is Outcome.DUPLICATE
    assert apply_event(echo, second) is Outcome.DUPLICATE
    assert ledger() == [1, 2]


@pytest.mark.django_db
def test_events_the_consumer_has_no_handler_for_still_move_its_place(actor, stream_id):
    (thing,) = append_things(stream_id, 1)
    echo = get_consumer(ECHO)
    apply_event(echo, thing)  # the handler appends a ThingHandled to the ledger stream
    (handled,) = read_stream(LEDGER)

    assert apply_event(echo, handled) is Outcome.APPLIED  # no handler for ThingHandled
    assert InboxCursor.objects.get(consumer=ECHO, stream_id=LEDGER).version == 1


@pytest.mark.django_db
def test_a_dead_letter_retried_later_comes_before_what_waited_behind_it(actor, stream_id, flaky):
    first, second, third = append_things(stream_id, 1, 2, 3)
    (elsewhere,) = append_things(uuid.uuid4(), 9)
    echo, letters = get_consumer(ECHO), Letters()
    flaky.add(1)

    for event in (first, second, third, elsewhere):
        deliver(echo, event, dead_letter=letters, sleep=False)

    assert ledger() == [9]  # the other stream went on
    assert sorted(ParkedEvent.objects.values_list("version", flat=True)) == [2, 3]

    flaky.clear()  # the cause is fixed
    assert retry_dead_letter(letters.of(first)) is Outcome.APPLIED

    assert ledger() == [9, 1, 2, 3]
    assert letters.of(first).resolution == "applied"
    assert not ParkedEvent.objects.exists()


@pytest.mark.django_db
def test_dead_letters_retried_in_the_wrong_order_still_apply_in_version_order(
    actor, stream_id, flaky
):
    first, second, third = append_things(stream_id, 1, 2, 3)
    echo, letters = get_consumer(ECHO), Letters()
    flaky.update({1, 2})
    deliver(echo, first, dead_letter=letters, sleep=False)  # dead-lettered
    apply_event(echo, third)  # parked
    letters(second, "TimeoutError: thing 2", 2)  # dead-lettered by another process, say
    flaky.clear()

    assert retry_dead_letter(letters.of(second)) is Outcome.PARKED
    assert ledger() == []
    assert letters.of(second).resolution == "parked behind version 1"
    assert retry_dead_letter(letters.of(first)) is Outcome.APPLIED

    assert ledger() == [1, 2, 3]


@pytest.mark.django_db
def test_a_skipped_dead_letter_lets_its_stream_go_on_without_it(actor, stream_id, flaky):
    first, second = append_things(stream_id, 1, 2)
    echo, letters = get_consumer(ECHO), Letters()
    flaky.add(1)
    for event in (first, second):
        deliver(echo, event, dead_letter=letters, sleep=False)

    with pytest.raises(ValueError, match="version 1 of the stream is not applied yet"):
        skip_dead_letter(DeadLetter(payload=_envelope(second), consumer=ECHO), by="user:1")
    skip_dead_letter(letters.of(first), by="user:7")

    assert ledger() == [2]
    assert letters.of(first).resolution == "skipped by user:7"


@pytest.mark.django_db
def test_parked_events_whose_predecessor_went_elsewhere_are_swept(actor, stream_id):
    first, second = append_things(stream_id, 1, 2)
    echo = get_consumer(ECHO)
    apply_event(echo, second)  # parked: 1 is being applied by another process, say
    apply_event(echo, first)  # ... which applies it, and does not look at the parking

    assert drain_ready(echo, dead_letter=Letters(), sleep=False) == 1
    assert ledger() == [1, 2]


@pytest.mark.postgres
@pytest.mark.usefixtures("committed_db")
def test_two_processes_delivering_one_event_at_once_apply_it_once(stream_id):
    with operation(actor="user:1"):
        (thing,) = append_things(stream_id, 1)
    echo = get_consumer(ECHO)
    start = threading.Barrier(2)

    def race() -> Outcome:
        start.wait()
        return apply_event(echo, thing)

    racers = [Worker(race) for _ in range(2)]
    for racer in racers:
        racer.start()

    assert sorted(r.outcome().value for r in racers) == ["applied", "applied before"]
    assert ledger() == [1]


@pytest.mark.postgres
@pytest.mark.usefixtures("committed_db")
def test_an_event_arriving_while_its_predecessor_is_applied_waits_for_it_not_in_the_parking(
    stream_id, monkeypatch
):
    # given: version 1 is being applied (its handler is at work, before the first cursor
    # row of the stream is committed) when version 2 arrives on another connection
    with operation(actor="user:1"):
        first, second = append_things(stream_id, 1, 2)
    echo = get_consumer(ECHO)
    handle = echo.handlers[THING_HAPPENED.name]
    in_handler, release = threading.Event(), threading.Event()

    def slow(event) -> None:
        if event.data["n"] == 1:
            in_handler.set()
            assert release.wait(10)
        handle(event)

    monkeypatch.setitem(echo.handlers, THING_HAPPENED.name, slow)  # type: ignore[index]
    applying = Worker(lambda: apply_event(echo, first))
    applying.start()
    assert in_handler.wait(10)
    arriving = Worker(lambda: apply_event(echo, second))
    arriving.start()

    # when: the second is waiting for the stream's cursor, and the first commits
    wait_until_blocked_on_lock(lambda: arriving.backend_pid)
    release.set()

    # then: the second was decided after it, and applied, not parked for ever
    assert (applying.outcome(), arriving.outcome()) == (Outcome.APPLIED, Outcome.APPLIED)
    assert ledger() == [1, 2]
    assert not ParkedEvent.objects.exists()


@pytest.mark.django_db
def test_a_parked_event_that_fails_is_dead_lettered_once(actor, stream_id, flaky):
    first, second = append_things(stream_id, 1, 2)
    echo, letters = get_consumer(ECHO), Letters()
    apply_event(echo, second)  # parked
    flaky.add(2)

    deliver(echo, first, dead_letter=letters, sleep=False)  # applied; 2 fails as it follows
    drain_ready(echo, dead_letter=letters, sleep=False)
    drain_ready(echo, dead_letter=letters, sleep=False)

    assert ledger() == [1]
    assert DeadLetter.objects.filter(event_id=str(second.event_id)).count() == 1
    assert not ParkedEvent.objects.exists()  # it waits among the dead letters now
    flaky.clear()
    assert retry_dead_letter(letters.of(second)) is Outcome.APPLIED
    assert ledger() == [1, 2]


@pytest.mark.django_db
def test_a_consumer_joining_late_can_start_at_the_streams_heads(actor, stream_id):
    from messaging.consumers import start_at_heads

    append_things(stream_id, 1, 2)
    echo = get_consumer(ECHO)

    assert start_at_heads(echo) >= 1
    (third,) = append_things(stream_id, 3, expected_version=2)
    assert apply_event(echo, third) is Outcome.APPLIED  # not parked behind 1 and 2
    assert ledger() == [3]

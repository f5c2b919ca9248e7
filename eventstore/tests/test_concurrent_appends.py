"""Concurrent writers on real PostgreSQL connections."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.exceptions import ConcurrencyError
from eventstore.models import Event, Stream
from eventstore.store import read_all, read_stream
from testkit.concurrency import Worker, wait_until_blocked_on_lock
from testkit.helpers import append_things

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]


def test_two_writers_at_the_same_version_exactly_one_wins(stream_id):
    # given: the first writer has appended at version 0 but not committed yet
    appended, release = threading.Event(), threading.Event()

    def first() -> int:
        with operation(actor="user:1"), transaction.atomic():
            append_things(stream_id, 1)
            appended.set()
            release.wait(10)
        return 1

    def second() -> int:
        appended.wait(10)
        with operation(actor="user:2"), transaction.atomic():
            append_things(stream_id, 2)
        return 2

    one, two = Worker(first), Worker(second)
    one.start()
    two.start()
    # when: the second writer is really inside its append, waiting on the first
    wait_until_blocked_on_lock(lambda: two.backend_pid)
    release.set()

    # then: the first commits, the second sees the stream moved on
    assert one.outcome() == 1
    with pytest.raises(ConcurrencyError) as error:
        two.outcome()
    assert (error.value.expected_version, error.value.actual_version) == (0, 1)
    assert [e.data["n"] for e in read_stream(stream_id)] == [1]


def test_many_writers_racing_on_one_stream_leave_one_event_per_version(stream_id):
    start = threading.Barrier(8)

    def writer(n: int):
        def run() -> str:
            start.wait()
            for _ in range(20):  # retry like a command would: reload, decide again
                version = len(read_stream(stream_id))
                try:
                    with operation(actor=f"user:{n}"):
                        append_things(stream_id, n, expected_version=version)
                    return "appended"
                except ConcurrencyError:
                    continue
            return "gave up"

        return run

    workers = [Worker(writer(n)) for n in range(8)]
    for w in workers:
        w.start()
    outcomes = [w.outcome() for w in workers]

    assert outcomes.count("appended") == 8
    events = read_stream(stream_id)
    assert [e.version for e in events] == list(range(1, 9))
    assert sorted(e.data["n"] for e in events) == list(range(8))


def test_events_and_the_stream_head_become_visible_together_or_not_at_all(stream_id):
    committed, failed = uuid.uuid4(), uuid.uuid4()

    def commit_one() -> None:
        with operation(actor="user:1"), transaction.atomic():
            append_things(committed, 1)

    def fail_one() -> None:
        with operation(actor="user:1"), transaction.atomic():
            append_things(failed, 1)
            raise RuntimeError("use case failed after the append")

    ok, bad = Worker(commit_one), Worker(fail_one)
    ok.start()
    ok.outcome()
    bad.start()
    with pytest.raises(RuntimeError):
        bad.outcome()

    # Read from this test's own connection: only what really committed is there.
    assert [e.stream_id for e in read_all()] == [committed]
    assert list(Stream.objects.values_list("stream_id", flat=True)) == [committed]
    assert not Event.objects.filter(stream_id=failed).exists()


def test_writers_of_different_streams_never_wait_for_each_other():
    # given: a writer has appended to one stream and keeps its transaction open
    appended, release = threading.Event(), threading.Event()

    def holder() -> None:
        with operation(actor="user:1"), transaction.atomic():
            append_things(uuid.uuid4(), 1)
            appended.set()
            assert release.wait(20), "never released"

    held = Worker(holder)
    held.start()
    assert appended.wait(10)

    # when: 8 writers append to other streams, each committing on its own connection
    others = [Worker(lambda n=n: append_as(n)) for n in range(8)]
    for worker in others:
        worker.start()

    # then: all of them finish while the first is still open
    try:
        assert [w.outcome(timeout=10) for w in others] == list(range(8))
        assert held.is_alive()
    finally:
        release.set()
    held.outcome()


def append_as(n: int) -> int:
    with operation(actor=f"user:{n}"), transaction.atomic():
        append_things(uuid.uuid4(), n)
    return n


def test_a_stream_stays_in_version_order_in_the_log_when_its_later_writer_began_first(
    stream_id,
):
    # given: transaction B takes its transaction id first (it writes another stream), then
    # transaction A appends version 1 of the stream and commits
    b_started, a_committed = threading.Event(), threading.Event()

    def transaction_b() -> int:
        with operation(actor="user:2"), transaction.atomic():
            append_things(uuid.uuid4(), 0)  # B now has the lower transaction id
            b_started.set()
            assert a_committed.wait(10)
            # when: B appends version 2, after A's version 1, and commits
            (event,) = append_things(stream_id, 2, expected_version=1)
        return event.log_tx

    def transaction_a() -> int:
        assert b_started.wait(10)
        with operation(actor="user:1"), transaction.atomic():
            (event,) = append_things(stream_id, 1)
        a_committed.set()
        return event.log_tx

    b, a = Worker(transaction_b), Worker(transaction_a)
    b.start()
    a.start()
    log_tx_a, log_tx_b = a.outcome(), b.outcome()

    # then: version 2 takes version 1's slot in the log, not B's earlier one, so every reader
    # of the log gets the stream in version order
    assert log_tx_b == log_tx_a
    versions = [e.version for e in read_all() if e.stream_id == stream_id]
    assert versions == [1, 2]

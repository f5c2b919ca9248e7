"""Concurrent writers on real PostgreSQL connections."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.exceptions import ConcurrencyError
from eventstore.models import Event, OutboxEntry
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


def test_events_and_outbox_entries_become_visible_together_or_not_at_all(stream_id):
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
    assert list(OutboxEntry.objects.values_list("key", flat=True)) == [str(committed)]
    assert not Event.objects.filter(stream_id=failed).exists()

"""Readers that follow the log never skip an event and never see one before its commit, on
real PostgreSQL transactions that commit out of order.

With a plain sequence, a transaction can take position 1, another position 2 and commit
first; a reader that saw 2 and moved past it would never see 1. Readers follow
``(log_tx, position)`` below the watermark instead (``eventstore.log``).
"""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.exceptions import ConcurrencyError
from eventstore.log import LOG_START
from eventstore.store import read_all, stream_version
from testkit.concurrency import Worker
from testkit.helpers import append_things

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]


class Rollback(Exception):
    """A writer's use case failing after its append: the transaction rolls back."""


class Follower:
    """A catch-up reader: polls the log after the last key it read, in small pages, and
    notes when it saw each event."""

    def __init__(self) -> None:
        self.seen: list[uuid.UUID] = []
        self.seen_at: dict[uuid.UUID, float] = {}
        self.after = LOG_START

    def poll(self) -> int:
        page = read_all(after=self.after, limit=7)
        now = time.monotonic()
        for event in page:
            self.seen.append(event.event_id)
            self.seen_at.setdefault(event.event_id, now)
            self.after = event.log_key
        return len(page)

    def follow(self, done: threading.Event) -> None:
        while True:
            finished = done.is_set()
            if not self.poll() and finished:
                return


def test_a_later_transaction_that_commits_first_waits_for_the_earlier_one():
    # given: transaction A has appended and stays open; B appends after it and commits
    a_appended, a_release = threading.Event(), threading.Event()

    def transaction_a() -> uuid.UUID:
        with operation(actor="user:1"), transaction.atomic():
            (event,) = append_things(uuid.uuid4(), 1)
            a_appended.set()
            assert a_release.wait(10)
        return event.event_id

    a = Worker(transaction_a)
    a.start()
    assert a_appended.wait(10)
    with operation(actor="user:2"):
        (b,) = append_things(uuid.uuid4(), 2)  # committed (this connection autocommits)

    # when: a reader reads while A is open, it sees neither: B's place comes after A's
    assert read_all() == []
    a_release.set()
    first = a.outcome()

    # then: after A's commit both are there, A's first, and that order never changes
    assert [e.event_id for e in read_all()] == [first, b.event_id]


def test_sixteen_writers_and_three_readers_every_committed_event_once_in_one_order():
    writers, transactions = 16, 12
    shared = [uuid.uuid4() for _ in range(4)]  # streams every writer appends to as well
    done = threading.Event()
    committed: set[uuid.UUID] = set()
    rolled_back: set[uuid.UUID] = set()
    committing_at: dict[uuid.UUID, float] = {}
    lock = threading.Lock()

    def writer(n: int):
        def run() -> None:
            rng = random.Random(n)
            for i in range(transactions):
                ids: set[uuid.UUID] = set()
                fail = rng.random() < 0.2
                try:
                    with operation(actor=f"user:{n}"), transaction.atomic():
                        # a transaction id first, then time, then maybe a shared stream:
                        # its event may take a later transaction's place in the log
                        events = append_things(uuid.uuid4(), *range(rng.randint(1, 3)))
                        time.sleep(rng.uniform(0, 0.02))
                        if rng.random() < 0.5:
                            stream = rng.choice(shared)
                            events += append_things(
                                stream, i, expected_version=stream_version(stream)
                            )
                        ids = {e.event_id for e in events}
                        time.sleep(rng.uniform(0, 0.01))  # hold the transaction open
                        if fail:
                            raise Rollback
                        with lock:
                            for event_id in ids:
                                committing_at[event_id] = time.monotonic()
                except (Rollback, ConcurrencyError):
                    rolled_back.update(ids)
                else:
                    committed.update(ids)

        return run

    followers = [Follower() for _ in range(3)]
    readers = [Worker(lambda f=f: f.follow(done)) for f in followers]
    writing = [Worker(writer(n)) for n in range(writers)]
    for worker in readers + writing:
        worker.start()
    for worker in writing:
        worker.outcome(timeout=120)
    done.set()
    for worker in readers:
        worker.outcome(timeout=60)

    log = read_all(limit=10_000)
    assert len(committed) > writers * transactions * 0.5 and rolled_back
    assert {e.event_id for e in log} == committed
    for follower in followers:
        assert follower.seen == [e.event_id for e in log]  # each once, in the one order
        assert not rolled_back & set(follower.seen)
        early = [e for e in follower.seen if follower.seen_at[e] < committing_at[e]]
        assert early == [], "seen before its transaction began to commit"
    for stream in shared:  # every stream in version order along the log
        versions = [e.version for e in log if e.stream_id == stream]
        assert versions == list(range(1, len(versions) + 1))


def test_a_stalled_writer_holds_readers_back_only_from_its_own_event_on():
    # given: events committed before, a transaction P that began writing before the stalled
    # writer S, and S appending and then stalling for 5 s
    with operation(actor="user:0"):
        before = {e.event_id for e in append_things(uuid.uuid4(), 1, 2)}
    p_appended, s_appended, p_release = threading.Event(), threading.Event(), threading.Event()

    def transaction_p() -> uuid.UUID:
        with operation(actor="user:1"), transaction.atomic():
            (event,) = append_things(uuid.uuid4(), 3)
            p_appended.set()
            assert p_release.wait(10)
        return event.event_id

    s_release = threading.Event()

    def stalled_s() -> uuid.UUID:
        assert p_appended.wait(10)
        with operation(actor="user:2"), transaction.atomic():
            (event,) = append_things(uuid.uuid4(), 4)
            s_appended.set()
            s_release.wait(5)  # stalls for 5 s at most; the test lets it go when done
        return event.event_id

    p, s = Worker(transaction_p), Worker(stalled_s)
    p.start()
    s.start()
    assert s_appended.wait(10)
    # when: writers after S commit, and P commits, while S stalls
    with operation(actor="user:3"):
        after = {e.event_id for n in range(5) for e in append_things(uuid.uuid4(), 10 + n)}
    p_release.set()
    p_event = p.outcome()
    reader = Follower()
    reader.poll()
    reader.poll()

    # then: during the stall the reader has everything up to S's place (P's event too,
    # which committed during the stall), and nothing after it
    assert s.is_alive(), "S should still be stalled"
    assert set(reader.seen) == before | {p_event}
    # and once S commits, S's event comes next, then the ones that waited behind it
    s_release.set()
    s_event = s.outcome(timeout=10)
    while reader.poll():
        pass
    assert reader.seen[len(before) + 1] == s_event
    assert set(reader.seen[len(before) + 2 :]) == after

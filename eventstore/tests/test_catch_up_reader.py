"""A reader that follows ``position`` never skips an event (PostgreSQL, real transactions).

With a plain sequence, a transaction can take position 1, another position 2 and commit
first; a reader that saw 2 and moved its checkpoint past it would never see 1. Appends are
serialised on the chain head's row lock, so that order of commits cannot happen.
"""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.store import read_all
from testkit.concurrency import Worker, wait_until_blocked_on_lock
from testkit.helpers import append_things

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]


def test_a_later_append_cannot_commit_before_an_earlier_one():
    # given: transaction A has appended (it holds the lower position) and stays open
    a_appended, a_release = threading.Event(), threading.Event()

    def transaction_a() -> int:
        with operation(actor="user:1"), transaction.atomic():
            (event,) = append_things(uuid.uuid4(), 1)
            a_appended.set()
            a_release.wait(10)
        return event.position

    def transaction_b() -> int:
        a_appended.wait(10)
        with operation(actor="user:2"), transaction.atomic():
            (event,) = append_things(uuid.uuid4(), 2)
        return event.position

    a, b = Worker(transaction_a), Worker(transaction_b)
    a.start()
    b.start()

    # when: B tries to append and commit while A is open, B waits for A's lock
    wait_until_blocked_on_lock(lambda: b.backend_pid)
    assert read_all() == []  # and a reader sees neither
    a_release.set()

    # then: A commits first with the lower position, B after it with the next one
    position_a, position_b = a.outcome(), b.outcome()
    assert position_b == position_a + 1
    assert [e.position for e in read_all()] == [position_a, position_b]


def test_a_polling_reader_sees_every_event_while_writers_commit_at_random_times():
    writers, per_writer = 6, 15
    done = threading.Event()
    seen: list[int] = []

    def writer(n: int):
        def run() -> None:
            rng = random.Random(n)
            for i in range(per_writer):
                with operation(actor=f"user:{n}"), transaction.atomic():
                    append_things(uuid.uuid4(), n * 100 + i)
                    time.sleep(rng.uniform(0, 0.004))  # hold the transaction open a while

        return run

    def reader() -> None:
        checkpoint = 0
        while True:
            finished = done.is_set()
            for event in read_all(after_position=checkpoint, limit=7):
                seen.append(event.position)
                checkpoint = event.position
            if finished and not read_all(after_position=checkpoint, limit=1):
                return

    threads = [Worker(writer(n)) for n in range(writers)]
    poll = Worker(reader)
    poll.start()
    for t in threads:
        t.start()
    for t in threads:
        t.outcome(timeout=60)
    done.set()
    poll.outcome(timeout=60)

    total = writers * per_writer
    assert seen == list(range(1, total + 1))
    assert [e.position for e in read_all(limit=total + 1)] == seen

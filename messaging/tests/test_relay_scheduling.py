"""When and how the relay runs: one queued task for a burst of commits, never waiting for a
lock, and never in the way of an append."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.cache import cache
from kombu import Connection

from eventstore.context import operation
from eventstore.store import read_all
from messaging.relay import destination, relay_log
from messaging.tasks import _key
from messaging.wire import Message
from project.celery import app as celery_app
from testkit.concurrency import Worker
from testkit.helpers import append_things

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("committed_db", "thing_type"),
]


@pytest.fixture
def broker_queue(settings):
    """The real Redis broker with no worker: what commits queue stays in the queue."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    settings.MESSAGING_RELAY_ON_COMMIT = True
    settings.KAFKA_TOPIC_PREFIX = f"t{uuid.uuid4().hex[:12]}."  # a destination of its own
    settings.EVENT_BUS = "kafka"
    with Connection(settings.CELERY_BROKER_URL) as conn:
        channel = conn.default_channel
        channel.queue_purge("celery")

        def queued() -> list[str]:
            messages = []
            while (message := channel.basic_get("celery")) is not None:
                messages.append(message.headers["task"])
            return messages

        yield queued
        channel.queue_purge("celery")
    cache.delete_many([_key("pending", destination()), _key("awake", destination())])
    celery_app.conf.task_always_eager = eager


@pytest.mark.redis
def test_a_burst_of_commits_leaves_one_relay_task_waiting(broker_queue):
    with operation(actor="user:1"):
        for n in range(50):
            append_things(uuid.uuid4(), n)  # each commits on its own

    assert broker_queue() == ["messaging.relay"]


def test_a_relay_finding_another_at_work_returns_at_once_without_waiting(settings):
    from django.db import connection

    settings.EVENT_BUS = "inprocess"
    with connection.cursor() as cursor:  # another relay of the destination is running
        cursor.execute(
            "SELECT pg_advisory_lock(hashtext(%s))", [f"messaging.relay:{destination()}"]
        )
    try:
        started = time.monotonic()
        run = Worker(relay_log)
        run.start()
        outcome = run.outcome(timeout=10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")

    assert outcome.busy and outcome.published == 0
    assert time.monotonic() - started < 2


class SlowBroker:
    """A publisher whose broker takes its time to acknowledge (Kafka under load, or down)."""

    def __init__(self) -> None:
        self.publishing, self.release = threading.Event(), threading.Event()

    def publish(self, messages: list[Message]) -> dict[int, str | None]:
        self.publishing.set()
        assert self.release.wait(20)
        return {m.position: None for m in messages}


def test_appends_go_on_while_the_relay_waits_for_the_broker(settings):
    settings.EVENT_BUS = "inprocess"
    with operation(actor="user:1"):
        append_things(uuid.uuid4(), 1)
    broker = SlowBroker()
    relay = Worker(lambda: relay_log(publisher=broker))
    relay.start()
    assert broker.publishing.wait(10)

    # while the relay holds its lock and waits for the acks, writers append and commit
    started = time.monotonic()
    with operation(actor="user:2"):
        later = [append_things(uuid.uuid4(), n)[0] for n in range(5)]
    took = time.monotonic() - started
    broker.release.set()

    assert took < 2
    assert relay.outcome(timeout=10).published >= 1
    assert {e.event_id for e in later} <= {e.event_id for e in read_all()}


def test_the_in_process_relay_keeps_its_lock_while_a_handler_is_retried(
    settings, relay_on_commit, monkeypatch
):
    from messaging.consumers import get_consumer
    from testkit.testapp.apps import ECHO, THING_HAPPENED

    settings.MESSAGING_CONSUMER_MAX_ATTEMPTS = 2
    echo = get_consumer(ECHO)
    handle = echo.handlers[THING_HAPPENED.name]
    attempts, other_relay = [], []

    def fails_once(event) -> None:
        attempts.append(event.event_id)
        if len(attempts) == 1:
            raise TimeoutError("the database was away")
        # the retry: meanwhile another relay of the destination must still find it taken
        other_relay.append(Worker(relay_log).start_and_wait())
        handle(event)

    monkeypatch.setitem(echo.handlers, THING_HAPPENED.name, fails_once)  # type: ignore[index]
    with operation(actor="user:1"):
        append_things(uuid.uuid4(), 1)  # commits; the relay runs here, in this thread

    assert len(attempts) == 2
    assert [run.busy for run in other_relay] == [True]


def test_an_unrelated_open_transaction_does_not_hold_up_a_commit_in_the_embedded_mode(
    relay_on_commit,
):
    from messaging.selectors import relay_lag

    holding, release = threading.Event(), threading.Event()

    def open_transaction() -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")  # takes a transaction id
            holding.set()
            assert release.wait(20)

    other = Worker(open_transaction)
    other.start()
    assert holding.wait(10)
    started = time.monotonic()
    with operation(actor="user:1"):
        append_things(uuid.uuid4(), 1)  # held back above the watermark by the other
    took = time.monotonic() - started
    assert relay_lag().pending >= 1

    release.set()
    other.outcome()
    deadline = time.monotonic() + 10
    while relay_lag().pending and time.monotonic() < deadline:
        time.sleep(0.05)

    assert took < 2  # not the whole while the other transaction stayed open
    assert relay_lag().pending == 0  # published by the background retry once it settled

"""The relay: follows the event log below the watermark and publishes it to the bus, in order.

There is no outbox table: the event table is the outbox. Each destination has a checkpoint
(``RelayCheckpoint``): the log key of the last event delivered. A run reads the settled log
after it (``read_envelopes``: nothing can appear there later), publishes in log order, which keeps
each stream in version order, and moves the checkpoint past the delivered prefix from the
broker's delivery reports. A relay that dies mid-batch moves nothing: the next run publishes
from the checkpoint again (at least once; consumers skip what they have applied).

One relay runs per destination at a time: a run takes a PostgreSQL advisory lock with
``pg_try_advisory_lock`` and, if another relay holds it, returns at once instead of waiting
on a database connection. The lock is the relay's own: appends never take it, so Kafka's
delivery never holds up a writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.db import connection
from django.db.models import F, Q

from eventstore.models import Event
from eventstore.store import read_envelopes
from messaging.bus import Publisher, get_publisher
from messaging.models import RelayCheckpoint
from messaging.wire import Message, topic_for

logger = structlog.get_logger(__name__)

# Only SQLite (one process in the embedded mode) needs a lock of the process's own.
_one_writer_lock = threading.Lock()


@dataclass(frozen=True)
class RelayRun:
    published: int
    failed: int = 0
    busy: bool = False  # another relay of the destination was running
    held_back: bool = False  # committed events wait above the watermark for a transaction


def destination() -> str:
    """The checkpoint's name: the bus, and for Kafka the topic prefix (new topics get the
    whole log)."""
    if settings.EVENT_BUS == "kafka":
        return f"kafka:{settings.KAFKA_TOPIC_PREFIX}"
    return settings.EVENT_BUS


def relay_log(*, publisher: Publisher | None = None, batch_size: int | None = None) -> RelayRun:
    """Publish the settled log after the checkpoint until it is drained or a delivery fails."""
    name = destination()
    with session_lock(f"messaging.relay:{name}") as acquired:
        if not acquired:
            return RelayRun(0, busy=True)
        return _relay(
            name, publisher or get_publisher(), batch_size or settings.MESSAGING_RELAY_BATCH
        )


def _relay(name: str, publisher: Publisher, batch_size: int) -> RelayRun:
    checkpoint, _ = RelayCheckpoint.objects.get_or_create(name=name)
    published = 0
    # Until a read finds nothing: in-process consumers append as they go, and what they
    # append is relayed in this run. One batch at a time (``publish`` waits for the acks): a
    # batch sent while the previous one's reports are pending could arrive although the
    # previous one timed out, and put a stream's later events on the topic before its
    # earlier ones.
    while envelopes := read_envelopes(after=checkpoint.key, limit=batch_size):
        messages = _messages(envelopes)
        delivered, error = _delivered_prefix(messages, publisher.publish(messages))
        if delivered:
            _log_published(delivered)
            last = delivered[-1].log_key
            # Only ever forward: a relay that lost its lock (a dropped connection) and raced
            # another cannot move the checkpoint back over what the other published.
            behind = Q(log_tx__lt=last.log_tx) | Q(log_tx=last.log_tx, position__lt=last.position)
            RelayCheckpoint.objects.filter(behind, name=name).update(
                log_tx=last.log_tx, position=last.position,
                published=F("published") + len(delivered), failures=0, last_error="",
            )  # fmt: skip
            checkpoint.log_tx, checkpoint.position = last.log_tx, last.position
            published += len(delivered)
        if error is not None:
            RelayCheckpoint.objects.filter(name=name).update(
                failures=F("failures") + 1, last_error=error
            )
            logger.warning("relay_delivery_failed", after=checkpoint.key.token, error=error)
            return RelayRun(published, failed=1)
    held_back = Event.objects.after(checkpoint.key).exists()
    return RelayRun(published, held_back=held_back)


def _messages(envelopes: Sequence[dict[str, Any]]) -> list[Message]:
    # Each event type's topic once a batch: it is read from the settings.
    topics: dict[str, str] = {}
    messages = []
    for envelope in envelopes:
        event_type = envelope["event_type"]
        if (topic := topics.get(event_type)) is None:
            topic = topics[event_type] = topic_for(event_type)
        messages.append(Message(topic, envelope))
    return messages


def _delivered_prefix(
    messages: Sequence[Message], results: dict[int, str | None]
) -> tuple[list[Message], str | None]:
    """The messages delivered before the first that was not, and that one's error."""
    for index, message in enumerate(messages):
        if (error := results.get(message.position, "no outcome reported")) is not None:
            return list(messages[:index]), error
    return list(messages), None


def _log_published(messages: Sequence[Message]) -> None:
    """One line per operation whose events went out, carrying its correlation id: a run
    serves many operations, and each can be followed through it."""
    by_operation: dict[str | None, list[Message]] = {}
    for message in messages:
        by_operation.setdefault(message.envelope["metadata"].get("correlation_id"), []).append(
            message
        )
    for correlation_id, group in by_operation.items():
        logger.info(
            "relay_published",
            correlation_id=correlation_id,
            count=len(group),
            log_key=group[-1].log_key.token,
        )


@contextmanager
def session_lock(key: str) -> Iterator[bool]:
    """Whether this process holds the lock ``key`` (a session-level advisory lock, held
    without a transaction, so that no reader's watermark waits for it): never waits."""
    if connection.vendor != "postgresql":
        acquired = _one_writer_lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                _one_writer_lock.release()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])

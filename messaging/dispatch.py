"""Delivering an event to a consumer: bounded retries, then a dead letter; and the events
parked behind it, once it is applied."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from eventstore.store import RecordedEvent
from messaging.consumers import (
    Consumer,
    Outcome,
    apply_event,
    get_consumer,
    locked_cursor,
    parked_next,
    streams_ready,
)
from messaging.models import DeadLetter, ParkedEvent
from messaging.wire import Message

logger = structlog.get_logger(__name__)

# Where an event goes that its handler failed on every attempt: (event, error, attempts).
DeadLetterSink = Callable[[RecordedEvent, str, int], None]


def deliver(
    consumer: Consumer,
    event: RecordedEvent,
    *,
    dead_letter: DeadLetterSink,
    topic: str = "",
    sleep: bool = True,
) -> Outcome | None:
    """Apply ``event`` (see ``apply_with_retries``) and then, in version order, the events of
    its stream that were parked waiting for it. Returns the event's outcome, or None if it
    was dead-lettered."""
    outcome = apply_with_retries(consumer, event, dead_letter=dead_letter, topic=topic, sleep=sleep)
    if outcome is Outcome.APPLIED:
        drain(consumer, event.stream_id, dead_letter=dead_letter, sleep=sleep)
    return outcome


def drain(consumer: Consumer, stream_id, *, dead_letter: DeadLetterSink, sleep: bool = True) -> int:
    """Apply the stream's parked events whose predecessor is applied, in version order, until
    one is missing or dead-lettered. Returns how many were applied."""
    applied = 0
    while (event := parked_next(consumer, stream_id)) is not None:
        outcome = apply_with_retries(consumer, event, dead_letter=dead_letter, sleep=sleep)
        if outcome is None:  # dead-lettered: it waits there now, not in the parking
            ParkedEvent.objects.filter(
                consumer=consumer.name, stream_id=stream_id, version=event.version
            ).delete()
        if outcome is not Outcome.APPLIED:
            break
        applied += 1
    return applied


def drain_ready(consumer: Consumer, *, dead_letter: DeadLetterSink, sleep: bool = True) -> int:
    """``drain`` every stream whose next parked event can go now."""
    return sum(
        drain(consumer, stream_id, dead_letter=dead_letter, sleep=sleep)
        for stream_id in streams_ready(consumer)
    )


def apply_with_retries(
    consumer: Consumer,
    event: RecordedEvent,
    *,
    dead_letter: DeadLetterSink,
    topic: str = "",
    sleep: bool = True,
) -> Outcome | None:
    """Apply ``event``; a failing handler is retried (with exponential backoff and a fresh
    connection if ``sleep``: transient faults, a lock timeout, a dropped connection) and
    after the last attempt the event goes
    to ``dead_letter`` so that the consumer can go on (the events of its stream after it are
    parked until the letter is retried or skipped). Returns the outcome, or None if it was
    dead-lettered."""
    with structlog.contextvars.bound_contextvars(
        consumer=consumer.name,
        event_id=str(event.event_id),
        event_type=event.event_type,
        correlation_id=event.metadata.get("correlation_id"),
    ):
        return _apply_with_retries(consumer, event, dead_letter, topic, sleep)


def _apply_with_retries(
    consumer: Consumer, event: RecordedEvent, dead_letter: DeadLetterSink, topic: str, sleep: bool
) -> Outcome | None:
    attempts = settings.MESSAGING_CONSUMER_MAX_ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            outcome = apply_event(consumer, event, topic=topic)
        except Exception as exc:  # any handler failure is retried, then dead-lettered
            logger.warning("handler_failed", attempt=attempt, of=attempts, exc_info=True)
            if attempt == attempts:
                dead_letter(event, f"{type(exc).__name__}: {exc}", attempts)
                return None
            if sleep:
                # A long-running consumer: a dropped connection is a transient fault worth a
                # fresh one. (In the relay's thread the connection holds the relay's lock and
                # stays; a request or an admin action retries at once.)
                if not connection.in_atomic_block:
                    close_old_connections()
                time.sleep(settings.MESSAGING_CONSUMER_BACKOFF * 2 ** (attempt - 1))
        else:
            if outcome is Outcome.APPLIED and event.event_type in consumer.handlers:
                logger.info("event_applied", position=event.position, version=event.version)
            elif outcome is Outcome.APPLIED:
                logger.debug("event_passed", position=event.position)  # no handler for it
            elif outcome is Outcome.PARKED:
                logger.info("event_parked", version=event.version, stream_id=str(event.stream_id))
            else:
                logger.debug("event_skipped", position=event.position)
            return outcome
    return None


def record_dead_letter(
    consumer: Consumer,
    *,
    topic: str,
    payload: bytes | str,
    error: str,
    attempts: int,
    headers: dict[str, str] | None = None,
    key: str = "",
    partition: int | None = None,
    offset: int | None = None,
) -> DeadLetter:
    text = payload.decode(errors="replace") if isinstance(payload, bytes) else payload
    headers = headers or {}
    try:
        envelope = json.loads(text)
        envelope = envelope if isinstance(envelope, dict) else {}
    except ValueError:
        envelope = {}
    logger.error("dead_lettered", consumer=consumer.name, topic=topic, error=error)
    return DeadLetter.objects.create(
        consumer=consumer.name,
        topic=topic,
        partition=partition,
        offset=offset,
        event_id=headers.get("event_id") or envelope.get("event_id", ""),
        event_type=headers.get("event_type") or envelope.get("event_type", ""),
        stream_id=envelope.get("stream_id"),
        version=envelope.get("version"),
        key=key,
        headers=headers,
        payload=text,
        error=error,
        attempts=attempts,
    )


def dead_letter_to_table(consumer: Consumer) -> DeadLetterSink:
    """A sink that keeps the letter in the database (the in-process bus's, and the Kafka
    loop's for events it drains from the parking)."""

    def sink(event: RecordedEvent, error: str, attempts: int) -> None:
        message = Message.of(event)
        record_dead_letter(
            consumer,
            topic=message.topic,
            payload=message.value(),
            error=error,
            attempts=attempts,
            headers={name: value.decode() for name, value in message.headers()},
            key=message.key.decode(),
        )

    return sink


def retry_dead_letter(letter: DeadLetter) -> Outcome:
    """Applies a dead-lettered event again through its consumer's inbox (once the cause is
    fixed), then what was parked behind it, and marks the letter resolved. Applied before,
    it is resolved as such; if its own predecessor is not applied yet (that one is
    dead-lettered too), it is parked behind it. Raises what the handler or the decoding
    raises (the letter stays open)."""
    consumer = get_consumer(letter.consumer)
    event = RecordedEvent.from_envelope(json.loads(letter.payload))
    with transaction.atomic():
        outcome = apply_event(consumer, event, topic=letter.topic)
        _resolve(letter, outcome.value if outcome is not Outcome.PARKED else (
            f"parked behind version {event.version - 1}"
        ))  # fmt: skip
    if outcome is Outcome.APPLIED:
        drain(consumer, event.stream_id, dead_letter=dead_letter_to_table(consumer), sleep=False)
    logger.info("dead_letter_retried", consumer=consumer.name, event_id=str(event.event_id))
    return outcome


def skip_dead_letter(letter: DeadLetter, *, by: str) -> Outcome:
    """Gives up on a dead-lettered event for good: its consumer counts it as applied without
    running the handler, so that its stream goes on (what was parked behind it is applied).
    Only the stream's next version can be skipped; an event applied meanwhile is left as
    it is."""
    consumer = get_consumer(letter.consumer)
    event = RecordedEvent.from_envelope(json.loads(letter.payload))
    with transaction.atomic():
        cursor = locked_cursor(consumer, event.stream_id)
        if event.version > cursor.version + 1:
            raise ValueError(
                f"version {cursor.version + 1} of the stream is not applied yet: skip or retry "
                "that one first"
            )
        if event.version <= cursor.version:
            _resolve(letter, Outcome.DUPLICATE.value)
            return Outcome.DUPLICATE
        cursor.version, cursor.event_id = event.version, event.event_id
        cursor.save(update_fields=["version", "event_id", "applied_at"])
        ParkedEvent.objects.filter(
            consumer=consumer.name, stream_id=event.stream_id, version__lte=event.version
        ).delete()
        _resolve(letter, f"skipped by {by}")
    drain(consumer, event.stream_id, dead_letter=dead_letter_to_table(consumer), sleep=False)
    logger.warning("dead_letter_skipped", consumer=consumer.name, event_id=str(event.event_id))
    return Outcome.APPLIED


def _resolve(letter: DeadLetter, resolution: str) -> None:
    letter.resolved_at, letter.resolution = timezone.now(), resolution
    letter.save(update_fields=["resolved_at", "resolution"])

"""Applying one delivered event with bounded retries, then dead-lettering it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from eventstore.store import RecordedEvent
from messaging.consumers import Consumer, apply_event, event_from_envelope, get_consumer
from messaging.models import DeadLetter

logger = structlog.get_logger(__name__)

DeadLetterSink = Callable[[str, int], None]


def apply_with_retries(
    consumer: Consumer,
    event: RecordedEvent,
    *,
    dead_letter: DeadLetterSink,
    sleep: bool = True,
) -> bool:
    """Apply ``event``; a failing handler is retried with exponential backoff (transient
    faults: a lock timeout, a dropped connection) and after the last attempt the event goes
    to ``dead_letter(error, attempts)`` so that the consumer can go on. Returns whether the
    event was applied now."""
    with structlog.contextvars.bound_contextvars(
        consumer=consumer.name,
        event_id=str(event.event_id),
        event_type=event.event_type,
        correlation_id=event.metadata.get("correlation_id"),
    ):
        return _apply_with_retries(consumer, event, dead_letter, sleep)


def _apply_with_retries(
    consumer: Consumer, event: RecordedEvent, dead_letter: DeadLetterSink, sleep: bool
) -> bool:
    attempts = settings.MESSAGING_CONSUMER_MAX_ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            applied = apply_event(consumer, event)
        except Exception as exc:  # any handler failure is retried, then dead-lettered
            logger.warning("handler_failed", attempt=attempt, of=attempts, exc_info=True)
            if attempt == attempts:
                dead_letter(f"{type(exc).__name__}: {exc}", attempts)
                return False
            if not connection.in_atomic_block:
                # A dropped connection is a transient fault worth a fresh one; inside the
                # in-process relay's transaction the savepoint already undid the attempt.
                close_old_connections()
            if sleep:
                time.sleep(settings.MESSAGING_CONSUMER_BACKOFF * 2 ** (attempt - 1))
        else:
            if applied:
                logger.info("event_applied", position=event.position)
            else:
                logger.debug("event_skipped", position=event.position)
            return applied
    return False


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
    event_id, event_type = headers.get("event_id", ""), headers.get("event_type", "")
    if not event_type:
        try:
            envelope = json.loads(text)
            event_id, event_type = envelope.get("event_id", ""), envelope.get("event_type", "")
        except (ValueError, AttributeError):
            pass
    logger.error("dead_lettered", consumer=consumer.name, topic=topic, error=error)
    return DeadLetter.objects.create(
        consumer=consumer.name,
        topic=topic,
        partition=partition,
        offset=offset,
        event_id=event_id,
        event_type=event_type,
        key=key,
        headers=headers,
        payload=text,
        error=error,
        attempts=attempts,
    )


def retry_dead_letter(letter: DeadLetter) -> bool:
    """Applies a dead-lettered message again through its consumer's inbox (once the cause is
    fixed) and marks the letter resolved. Returns whether the handler ran now (False: the
    inbox shows it was applied meanwhile). Raises what the handler or the decoding raises."""
    event = event_from_envelope(json.loads(letter.payload))
    with transaction.atomic():
        applied = apply_event(get_consumer(letter.consumer), event)
        letter.resolved_at = timezone.now()
        letter.save(update_fields=["resolved_at"])
    logger.info("dead_letter_retried", consumer=letter.consumer, event_id=str(event.event_id))
    return applied

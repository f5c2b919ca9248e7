"""The outbox relay: moves committed outbox entries to the bus, in order.

One relay is active at a time: each run holds a PostgreSQL advisory lock for its
transaction, so several relay workers may be triggered at once but publish one after the
other. The active relay publishes entries in outbox order (which is commit order, since
appends are serialised) through an idempotent producer, and marks an entry published only
from its delivery report, in the same transaction that holds the lock. A relay that dies
mid-batch marks nothing: the next run publishes the batch again (at least once; consumers
skip what their inbox already has). Per-stream order holds because a batch stops at the
first entry that was not delivered, so nothing after it is marked ahead of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from eventstore.models import OutboxEntry
from eventstore.store import RecordedEvent
from messaging.bus import Message, Publisher, get_publisher

logger = structlog.get_logger(__name__)

# Any fixed 64-bit number; it names the relay's advisory lock.
RELAY_LOCK_KEY = 0x6576_656E_7473_746F


@dataclass(frozen=True)
class RelayRun:
    published: int
    failed: int


def relay_outbox(*, publisher: Publisher | None = None, batch_size: int | None = None) -> RelayRun:
    """Publish pending outbox entries until none is left or a delivery fails."""
    publisher = publisher or get_publisher()
    batch_size = batch_size or settings.MESSAGING_RELAY_BATCH
    published = 0
    while True:
        run = _relay_batch(publisher, batch_size)
        published += run.published
        if run.failed or run.published < batch_size:
            return RelayRun(published=published, failed=run.failed)


def _relay_batch(publisher: Publisher, batch_size: int) -> RelayRun:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELAY_LOCK_KEY])
        entries = list(
            OutboxEntry.objects.filter(published_at__isnull=True)
            .select_related("event")
            .order_by("id")[:batch_size]
        )
        if not entries:
            return RelayRun(0, 0)
        messages = [Message(e.topic, RecordedEvent.from_row(e.event)) for e in entries]
        results = publisher.publish(messages)

        delivered: list[int] = []
        failed = next((e for e in entries if results.get(e.event.position) is not None), None)
        for entry in entries:
            if entry is failed:
                break
            delivered.append(entry.pk)
        OutboxEntry.objects.filter(pk__in=delivered).update(published_at=timezone.now())
        if failed is not None:
            OutboxEntry.objects.filter(pk=failed.pk).update(
                attempts=F("attempts") + 1, last_error=results[failed.event.position] or ""
            )
            logger.warning(
                "outbox_delivery_failed",
                position=failed.event.position,
                error=results[failed.event.position],
            )
        if delivered:
            logger.info(
                "outbox_published",
                count=len(delivered),
                last_position=entries[len(delivered) - 1].event.position,
            )
        return RelayRun(len(delivered), 0 if failed is None else 1)

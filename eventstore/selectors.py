"""Reads for operators and auditors: how far behind the outbox and the consumers are, and
the audit log itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Min, QuerySet
from django.utils import timezone

from eventstore.consumers import Consumer, all_consumers
from eventstore.models import DeadLetter, Event, OutboxEntry


@dataclass(frozen=True)
class OutboxLag:
    pending: int
    oldest_age_seconds: float | None


@dataclass(frozen=True)
class ConsumerLag:
    consumer: str
    lag: int | None  # messages not yet committed by the group; None if Kafka did not say
    error: str | None = None


def outbox_lag() -> OutboxLag:
    pending = OutboxEntry.objects.filter(published_at__isnull=True)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else None
    return OutboxLag(pending=pending.count(), oldest_age_seconds=age)


def open_dead_letters() -> int:
    return DeadLetter.objects.filter(resolved_at__isnull=True).count()


def kafka_consumer_lag(consumer: Consumer, *, timeout: float = 5.0) -> ConsumerLag:
    """High watermark minus the group's committed offset, summed over the partitions."""
    from confluent_kafka import Consumer as KafkaConsumer
    from confluent_kafka import KafkaException, TopicPartition

    client = KafkaConsumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"{settings.KAFKA_TOPIC_PREFIX}{consumer.name}",
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = client.list_topics(timeout=timeout)
        partitions = [
            TopicPartition(topic, p)
            for topic in consumer.topics
            if topic in metadata.topics
            for p in metadata.topics[topic].partitions
        ]
        lag = 0
        for tp in client.committed(partitions, timeout=timeout) if partitions else []:
            low, high = client.get_watermark_offsets(tp, timeout=timeout)
            lag += high - (tp.offset if tp.offset >= 0 else low)
        return ConsumerLag(consumer.name, lag)
    except KafkaException as exc:
        return ConsumerLag(consumer.name, None, str(exc))
    finally:
        client.close()


def consumer_lags() -> list[ConsumerLag]:
    if settings.EVENT_BUS != "kafka":
        # In-process consumers run inside the relay's transaction: they cannot lag behind it.
        return [ConsumerLag(c.name, 0) for c in all_consumers()]
    return [kafka_consumer_lag(c) for c in all_consumers()]


def events_of_streams(stream_ids: Iterable[uuid.UUID]) -> QuerySet[Event]:
    """The events of several streams (an aggregate and the ones it caused), in global order."""
    return Event.objects.filter(stream_id__in=list(stream_ids)).order_by("position")


def event_log(
    *,
    event_type: str | None = None,
    stream_type: str | None = None,
    stream_id: uuid.UUID | None = None,
    actor: str | None = None,
    correlation_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    """The audit log, filtered; all filters but ``stream_type`` are served by indexes."""
    events = Event.objects.order_by("position")
    if event_type:
        events = events.filter(event_type=event_type)
    if stream_type:
        events = events.filter(stream_type=stream_type)
    if stream_id:
        events = events.filter(stream_id=stream_id)
    if actor:
        events = events.by_actor(actor)
    if correlation_id:
        events = events.by_correlation(correlation_id)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events

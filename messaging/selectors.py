"""Reads for operators: how far behind the relay and the consumers are, and what is stuck."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from eventstore.models import Event
from messaging.consumers import Consumer, all_consumers
from messaging.models import DeadLetter, ParkedEvent, RelayCheckpoint
from messaging.relay import destination

# Counting stops here: past it the figure only says "far behind".
COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class RelayLag:
    pending: int  # committed events not yet published (COUNT_LIMIT at most)
    oldest_age_seconds: float | None
    last_error: str = ""


@dataclass(frozen=True)
class ConsumerLag:
    consumer: str
    lag: int | None  # messages not yet committed by the group; None if Kafka did not say
    error: str | None = None


def relay_lag() -> RelayLag:
    """What the relay of the configured bus has not published yet: committed events after
    its checkpoint, settled or still held back above the watermark."""
    checkpoint = RelayCheckpoint.objects.filter(name=destination()).first()
    waiting = Event.objects.in_log_order()
    if checkpoint is not None:
        waiting = waiting.after(checkpoint.key)
    first = waiting.values_list("occurred_at", flat=True).first()
    return RelayLag(
        pending=waiting[:COUNT_LIMIT].count(),
        oldest_age_seconds=(timezone.now() - first).total_seconds() if first else None,
        last_error=checkpoint.last_error if checkpoint is not None else "",
    )


def open_dead_letters() -> int:
    return DeadLetter.objects.filter(resolved_at__isnull=True).count()


def parked_events() -> int:
    """Events waiting for their stream's previous version (behind a dead letter, usually)."""
    return ParkedEvent.objects.count()


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

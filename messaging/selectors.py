"""Reads for operators: how far behind the relay and the consumers are, and what is stuck."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from eventstore.models import OutboxEntry
from messaging.consumers import Consumer, all_consumers
from messaging.models import DeadLetter


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

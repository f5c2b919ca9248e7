"""The Kafka witness: every checkpoint is published, in order, to ``<prefix>audit.checkpoints``
(partition 0; key: the tree size; value: ``{"tree_size", "note"}``), from a cursor like the
relay's, so a checkpoint sealed while Kafka was down is published once it is back. Whoever
keeps that topic (its retention is the operator's choice) holds checkpoints that the
database's owner cannot take back; ``manage.py verify_kafka_witness`` checks the database
against them."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.utils import timezone

from eventstore.models import Checkpoint
from messaging.bus import producer_config
from messaging.models import WitnessCursor
from messaging.relay import session_lock


def checkpoint_topic() -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}audit.checkpoints"


def publish_checkpoints(*, limit: int = 1000) -> int:
    """Publish the checkpoints after the cursor; returns how many were delivered. Does
    nothing unless Kafka is the bus."""
    if settings.EVENT_BUS != "kafka":
        return 0

    name = f"kafka:{settings.KAFKA_TOPIC_PREFIX}"
    # No transaction while Kafka is waited for: it would hold every log reader's watermark.
    with session_lock(f"messaging.witness:{name}") as acquired:
        if not acquired:
            return 0  # another process is publishing them
        done = WitnessCursor.objects.get_or_create(name=name)[0].tree_size
        pending = list(Checkpoint.objects.filter(tree_size__gt=done).order_by("tree_size")[:limit])
        if not pending:
            return 0
        delivered = _produce(pending)
        if delivered:
            # Only forward, whatever another publisher did meanwhile.
            WitnessCursor.objects.filter(name=name, tree_size__lt=delivered).update(
                tree_size=delivered, updated_at=timezone.now()
            )
        return sum(1 for c in pending if c.tree_size <= delivered)


def _produce(checkpoints: list[Checkpoint]) -> int:
    """Publish in order; returns the tree size of the last of the delivered prefix (0: none)."""
    from confluent_kafka import Producer

    timeout = settings.MESSAGING_RELAY_DELIVERY_TIMEOUT
    producer = Producer(producer_config(settings.KAFKA_BOOTSTRAP_SERVERS, timeout=timeout))
    failed: set[int] = set()
    for checkpoint in checkpoints:

        def report(err, _msg, size: int = checkpoint.tree_size) -> None:
            if err is not None:
                failed.add(size)

        producer.produce(
            checkpoint_topic(),
            partition=0,  # one partition: the witness reads the checkpoints in order
            key=str(checkpoint.tree_size).encode(),
            value=json.dumps({"tree_size": checkpoint.tree_size, "note": checkpoint.note}),
            on_delivery=report,
        )
    undelivered = producer.flush(timeout)
    delivered = 0
    for checkpoint in checkpoints:
        if undelivered or checkpoint.tree_size in failed:
            break
        delivered = checkpoint.tree_size
    return delivered


def read_witnessed(*, timeout: float = 10.0) -> list[tuple[str, str]]:
    """Every checkpoint on the witness topic, as ``(label, signed note)``: read from the
    beginning by a consumer group of its own that commits nothing."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"witness-check-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        topic = checkpoint_topic()
        metadata = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        if metadata is None or metadata.error is not None:
            return []
        notes = []
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=timeout
            )
            if high <= low:
                continue
            consumer.assign([TopicPartition(topic, partition, low)])
            offset = low
            while offset < high:
                message = consumer.poll(timeout)
                if message is None:
                    raise KafkaException(f"{topic}[{partition}] stopped at offset {offset}")
                if message.error():
                    raise KafkaException(message.error())
                offset = message.offset() + 1
                label = f"{topic}[{partition}]@{message.offset()}"
                record = json.loads(message.value())
                note = record.get("note") if isinstance(record, dict) else None
                if not isinstance(note, str):
                    raise ValueError(f"{label} is not a witness record")
                notes.append((label, note))
        return notes
    finally:
        consumer.close()

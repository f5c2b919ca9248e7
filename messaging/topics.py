"""The project's Kafka topics, created by the project rather than on first use: a partition
count of its choosing (the most consumers of a group that can share the work) and, on a
cluster, three replicas with two in sync, so that with ``acks=all`` a message the relay counts
as published survives the loss of any one broker."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings

from eventstore.registry import registry
from messaging.consumers import Consumer, all_consumers
from messaging.wire import context_topic

logger = structlog.get_logger(__name__)
_ensured: set[tuple[str, str]] = set()


def dead_letter_topic(consumer: Consumer) -> str:
    return f"{settings.KAFKA_TOPIC_PREFIX}{consumer.name}.deadletters"


def project_topics() -> list[str]:
    """Each bounded context's event topic and each consumer's dead letter topic."""
    contexts = sorted({event_type.context for event_type in registry.all()})
    return [*map(context_topic, contexts), *map(dead_letter_topic, all_consumers())]


def replication_for(brokers: int) -> tuple[int, dict[str, str]]:
    """Replication factor and topic config for a cluster of ``brokers``."""
    replicas = min(brokers, 3)
    return replicas, {"min.insync.replicas": "2" if replicas >= 3 else "1"}


def ensure_topics(bootstrap_servers: str, topics: Iterable[str] | None = None) -> list[str]:
    """Creates the topics that do not exist yet (once per process and prefix); returns them."""
    key = (bootstrap_servers, settings.KAFKA_TOPIC_PREFIX)
    if topics is None and key in _ensured:
        return []
    wanted = list(project_topics() if topics is None else topics)
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    metadata = admin.list_topics(timeout=5)
    missing = [topic for topic in wanted if topic not in metadata.topics]
    replicas, config = replication_for(len(metadata.brokers))
    new = [
        NewTopic(t, num_partitions=settings.KAFKA_TOPIC_PARTITIONS, replication_factor=replicas,
                 config=config)
        for t in missing
    ]  # fmt: skip
    for topic, created in admin.create_topics(new, request_timeout=15).items() if new else []:
        try:
            created.result()
        except KafkaException as exc:  # another process was first: as good
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        logger.info("topic_created", topic=topic, partitions=settings.KAFKA_TOPIC_PARTITIONS,
                    replicas=replicas)  # fmt: skip
    if topics is None:
        _ensured.add(key)
    return missing


def try_ensure_topics(bootstrap_servers: str) -> bool:
    """``ensure_topics``, or False with a warning while the cluster does not answer: a relay
    or consumer then runs as it would have (the broker creates a topic on first use, with its
    defaults) and tries again later."""
    try:
        ensure_topics(bootstrap_servers)
    except KafkaException as exc:
        logger.warning("topics_not_ensured", error=str(exc))
        return False
    return True


def degradation(metadata) -> str | None:
    """What a cluster's metadata (``AdminClient.list_topics``) says is missing: brokers that
    hold replicas but do not answer, and partitions with fewer replicas in sync than they
    have; None when nothing is."""
    alive = set(metadata.brokers)
    partitions = [p for topic in metadata.topics.values() for p in topic.partitions.values()]
    known = alive.union(*(p.replicas for p in partitions))
    lagging = sum(1 for p in partitions if len(p.isrs) < len(p.replicas))
    if known == alive and not lagging:
        return None
    down = ", ".join(str(b) for b in sorted(known - alive)) or "none"
    return (
        f"degraded: {len(alive)} of {len(known)} brokers answer (down: {down}); "
        f"{lagging} partition(s) under-replicated"
    )

"""The long-running Kafka consumer loop behind ``manage.py consume <name>``."""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections.abc import Callable

import structlog
from confluent_kafka import Consumer as KafkaConsumer
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.serialization import SerializationError
from django.conf import settings
from django.db import close_old_connections

from eventstore.store import RecordedEvent
from messaging.consumers import Consumer
from messaging.dispatch import (
    DeadLetterSink,
    dead_letter_to_table,
    deliver,
    drain_ready,
    record_dead_letter,
)
from messaging.schema_registry import EnvelopeCodec, decode_without_registry, json_part
from messaging.topics import dead_letter_topic, try_ensure_topics

logger = structlog.get_logger(__name__)

# How often an idle consumer looks for parked events that may go now (seconds).
DRAIN_INTERVAL = 5.0


class ConsumerLoop:
    """Reads the consumer's topics and applies each event through the inbox.

    The offset of a message is stored only after its database transaction committed (or it
    was dead-lettered), and stored offsets are committed in the background and on revoke
    and close; a crash in between means a redelivery, which the inbox turns into a no-op.
    """

    def __init__(
        self,
        consumer: Consumer,
        *,
        after_apply: Callable[[Message], None] | None = None,
        poll_timeout: float = 1.0,
    ) -> None:
        self.consumer = consumer
        self.stop_requested = threading.Event()
        self._after_apply = after_apply
        self._poll_timeout = poll_timeout
        bootstrap = settings.KAFKA_BOOTSTRAP_SERVERS
        try_ensure_topics(bootstrap)
        self._kafka = KafkaConsumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"{settings.KAFKA_TOPIC_PREFIX}{consumer.name}",
                "auto.offset.reset": "earliest",
                # A consumer may start before anything was published to its topics.
                "allow.auto.create.topics": True,
                "enable.auto.commit": True,
                "enable.auto.offset.store": False,
                "partition.assignment.strategy": "cooperative-sticky",
            }
        )
        self._dlq = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
        url = settings.SCHEMA_REGISTRY_URL
        self._codec = EnvelopeCodec(url) if url else None

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT finish the message in hand, then stop."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop_requested.set())

    def run(self, *, max_messages: int | None = None) -> int:
        handled = 0
        self._kafka.subscribe(self.consumer.topics, on_revoke=self._on_revoke)
        drained_at = 0.0
        try:
            while not self.stop_requested.is_set():
                message = self._kafka.poll(self._poll_timeout)
                if message is None:
                    if time.monotonic() - drained_at > DRAIN_INTERVAL:
                        # Parked events whose predecessor another process applied, or
                        # whose dead-lettered predecessor was resolved in the admin.
                        close_old_connections()
                        drain_ready(self.consumer, dead_letter=self._sink(None))
                        drained_at = time.monotonic()
                    continue
                if message.error():
                    if message.error().code() != KafkaError._PARTITION_EOF:
                        logger.warning("kafka_error", error=str(message.error()))
                    continue
                self.handle(message)
                handled += 1
                if max_messages is not None and handled >= max_messages:
                    break
        finally:
            self._kafka.close()  # commits the stored offsets
            self._dlq.flush(10)
        return handled

    def handle(self, message: Message) -> None:
        close_old_connections()
        try:
            event = RecordedEvent.from_envelope(self._decode(message))
        except (ValueError, KeyError, TypeError, SerializationError) as exc:
            # Undecodable: no retry can help.
            self._dead_letter(message, f"undecodable message: {type(exc).__name__}: {exc}", 1)
        else:
            deliver(self.consumer, event, topic=message.topic(), dead_letter=self._sink(message))
        if self._after_apply is not None:
            self._after_apply(message)
        self._kafka.store_offsets(message=message)

    def _decode(self, message: Message) -> dict:
        """The envelope, from the wire format (its schema fetched by id from the registry)
        or from the plain JSON written without one."""
        value = message.value() or b""
        if self._codec is None:
            return decode_without_registry(value)
        return self._codec.decode(value, topic=message.topic())

    def _sink(self, message: Message | None) -> DeadLetterSink:
        """Dead letters: the message in hand as it came, or an event drained from the
        parking, as its envelope (in the table and on the dead-letter topic alike)."""
        table = dead_letter_to_table(self.consumer)

        def sink(event: RecordedEvent, error: str, attempts: int) -> None:
            if message is not None and message.value() and _event_id(message) == event.event_id:
                self._dead_letter(message, error, attempts)
                return
            table(event, error, attempts)
            self._dlq.produce(
                dead_letter_topic(self.consumer),
                key=str(event.stream_id).encode(),
                value=json.dumps(event.envelope()).encode(),
                headers=[("dlq-error", error.encode()), ("dlq-source", b"parked")],
            )
            self._dlq.flush(10)

        return sink

    def _dead_letter(self, message: Message, error: str, attempts: int) -> None:
        headers = {k: (v or b"").decode(errors="replace") for k, v in (message.headers() or [])}
        record_dead_letter(
            self.consumer,
            topic=message.topic(),
            # The envelope's JSON: the table holds text (no wire-format header bytes).
            payload=json_part(message.value() or b""),
            error=error,
            attempts=attempts,
            headers=headers,
            key=(message.key() or b"").decode(errors="replace"),
            partition=message.partition(),
            offset=message.offset(),
        )
        self._dlq.produce(
            dead_letter_topic(self.consumer),
            key=message.key(),
            value=message.value(),
            headers=[
                *(message.headers() or []),
                ("dlq-error", error.encode()),
                (
                    "dlq-source",
                    f"{message.topic()}/{message.partition()}@{message.offset()}".encode(),
                ),
            ],
        )
        self._dlq.flush(10)

    def _on_revoke(self, kafka: KafkaConsumer, partitions) -> None:
        try:
            kafka.commit(asynchronous=False)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:
                raise


def _event_id(message: Message) -> uuid.UUID | None:
    for name, value in message.headers() or []:
        if name == "event_id" and value:
            return uuid.UUID(value.decode())
    return None

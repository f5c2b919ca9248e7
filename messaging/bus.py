"""Where the relay publishes: Kafka in the distributed mode, this process in the embedded one."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from opentelemetry.trace import SpanKind

from messaging.tracing import continue_trace, recording
from messaging.wire import Message

if TYPE_CHECKING:
    from confluent_kafka import KafkaError


class Publisher(Protocol):
    def publish(self, messages: Sequence[Message]) -> dict[int, str | None]:
        """Publishes in order and waits for the outcome: per event position, None if
        delivered, else the error."""
        ...


def producer_config(bootstrap_servers: str, *, timeout: float) -> dict[str, str | int | bool]:
    """The relay's producer: idempotent with acks=all, so that retries cannot duplicate or
    reorder the messages of a partition; every message gets its delivery report (success or
    failure) within ``timeout`` seconds, so a batch never leaves a message in limbo."""
    return {
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "delivery.timeout.ms": max(int(timeout * 1000) - 2000, 1000),
        "request.timeout.ms": max(min(int(timeout * 1000) - 3000, 10000), 500),
    }


class KafkaPublisher:
    """Publishes through ``producer_config``'s producer; a message counts as published only
    on its delivery report. With a schema registry, values are in the Confluent wire format
    (``messaging.schema_registry``), else plain JSON."""

    def __init__(
        self, bootstrap_servers: str, *, timeout: float = 15.0, schema_registry_url: str = ""
    ) -> None:
        from confluent_kafka import Producer

        self.bootstrap_servers = bootstrap_servers
        self.topics_ensured = False
        self.timeout = timeout
        self._producer = Producer(producer_config(bootstrap_servers, timeout=timeout))
        self._codec = None
        if schema_registry_url:
            from messaging.schema_registry import EnvelopeCodec

            self._codec = EnvelopeCodec(schema_registry_url)

    def _value(self, message: Message) -> bytes:
        return self._codec.encode(message) if self._codec else message.value()

    def publish(self, messages: Sequence[Message]) -> dict[int, str | None]:
        from confluent_kafka import KafkaException

        from messaging.topics import try_ensure_topics

        if not self.topics_ensured:
            self.topics_ensured = try_ensure_topics(self.bootstrap_servers)
        outcome: dict[int, str | None] = {}

        def reporter(position: int) -> Callable[[KafkaError | None, object], None]:
            def report(err: KafkaError | None, _msg: object) -> None:
                outcome[position] = None if err is None else str(err)

            return report

        spans = recording()  # asked once a batch: OpenTelemetry's answer costs microseconds
        refused: dict[int, str] = {}
        for message in messages:
            position = message.position
            try:
                value = self._value(message)
            except Exception as exc:
                # A refused schema, or no registry answering: this message fails and nothing
                # after it goes out (the relay keeps the log's order, and retries later).
                refused[position] = f"{type(exc).__name__}: {exc}"
                break
            stored = message.envelope["metadata"].get("traceparent")
            with _span(message, stored) if spans else nullcontext(stored) as traceparent:
                fields = {
                    "key": message.key,
                    "value": value,
                    "headers": message.headers(traceparent=traceparent),
                    "on_delivery": reporter(position),
                }
                try:
                    self._producer.produce(message.topic, **fields)
                except BufferError:
                    self._produce_when_room(message.topic, fields)
                except KafkaException as exc:
                    # Refused before it left (an unknown topic, a message over the size
                    # limit): as a refused schema, it and what follows wait for a later run.
                    refused[position] = f"{type(exc).__name__}: {exc}"
                    break
        # Each message is reported within the delivery timeout of its produce; the last was
        # just now.
        self._producer.flush(self.timeout)
        outcome.update(refused)
        for message in messages:
            outcome.setdefault(message.position, "no delivery report before the timeout")
        return outcome

    def _produce_when_room(self, topic: str, fields: dict[str, Any]) -> None:
        # A full local queue (messages waiting for a broker that is slow or down) makes room
        # as reports come in; the messages' own delivery timeout bounds the wait.
        while True:
            self._producer.poll(0.1)
            try:
                self._producer.produce(topic, **fields)
                return
            except BufferError:
                continue


def _span(message: Message, traceparent: str | None) -> AbstractContextManager[str | None]:
    """The producer span of ``message``, continuing its stored trace."""
    return continue_trace(
        traceparent,
        f"{message.topic} publish",
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": message.topic,
            "messaging.message.id": message.envelope["event_id"],
        },
    )


class InProcessPublisher:
    """The embedded bus: hands each event to this process's consumers of its topic, through
    the same inbox code path as the Kafka consumer loop."""

    def publish(self, messages: Sequence[Message]) -> dict[int, str | None]:
        from messaging.consumers import consumers_of
        from messaging.dispatch import dead_letter_to_table, deliver

        for message in messages:
            for consumer in consumers_of(message.topic):
                deliver(
                    consumer,
                    message.event,
                    dead_letter=dead_letter_to_table(consumer),
                    topic=message.topic,
                    sleep=False,
                )
        return {m.position: None for m in messages}


_local = threading.local()


def get_publisher() -> Publisher:
    """One publisher per process (and thread): librdkafka's threads do not survive a fork,
    so a forked Celery worker creates its own producer on first use."""
    pid = os.getpid()
    if getattr(_local, "pid", None) != pid:
        _local.pid = pid
        if settings.EVENT_BUS == "kafka":
            _local.publisher = KafkaPublisher(
                settings.KAFKA_BOOTSTRAP_SERVERS,
                timeout=settings.MESSAGING_RELAY_DELIVERY_TIMEOUT,
                schema_registry_url=settings.SCHEMA_REGISTRY_URL,
            )
        else:
            _local.publisher = InProcessPublisher()
    return _local.publisher


def reset_publisher() -> None:
    _local.__dict__.clear()

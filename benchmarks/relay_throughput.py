"""The relay against Kafka: throughput beside a raw producer, and commit-to-consumer latency.

1. Throughput: N committed events are relayed by ``relay_log`` (read the settled log after
   its checkpoint, publish through the idempotent producer, wait for the delivery reports,
   move the checkpoint), timed beside a raw confluent-kafka producer with the same
   configuration sending the same keys, values and headers to a topic with the same
   partitions on the same broker in the same run, in turns (the same events each round: the
   checkpoint goes back). The ratio of the medians is the figure.
2. Latency: events appended one per transaction at a steady rate while a real Celery worker
   relays them, each run queued after its commit as in production; the latency of an event
   is from its commit to the moment a Kafka consumer of the topic receives it, over all
   events and after the first second (a pool process's first relay sets up its producer).

Run: ``make bench``, or with the variables of ``scripts/services env`` set:
``python benchmarks/relay_throughput.py [--events 20000] [--rounds 5] [--rate 30]
[--seconds 20]``.
It works in a database of its own (``<name>_bench``) and topics of its own.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from setup import REPO, setup_django

PREFIX = f"bench{uuid.uuid4().hex[:8]}."
STREAMS = 200
EVENT_TYPE = "documents.DocumentUploaded"


def uploaded(n: int) -> dict:
    return {
        "owner_id": 1,
        "title": f"Benchmark {n}",
        "revision": 1,
        "filename": "a.txt",
        "sha256": "a" * 64,
        "size": 10,
        "content_type": "text/plain",
        "word_count": 2,
    }


def throughput(events: int, rounds: int) -> None:
    from confluent_kafka import Producer
    from django.conf import settings

    from eventstore.context import operation
    from eventstore.store import NewEvent, append, read_all
    from messaging.bus import get_publisher, producer_config
    from messaging.models import RelayCheckpoint
    from messaging.relay import destination, relay_log
    from messaging.topics import ensure_topics
    from messaging.wire import Message

    settings.MESSAGING_RELAY_ON_COMMIT = False  # the relay runs below, on the clock
    relay_log()  # whatever an earlier run left, off the clock
    streams = [uuid.uuid4() for _ in range(STREAMS)]
    per_stream = events // STREAMS
    with operation(actor="system:benchmark"):
        for stream in streams:
            append(
                stream_type="documents.Document",
                stream_id=stream,
                expected_version=0,
                events=[NewEvent(EVENT_TYPE, uploaded(n)) for n in range(per_stream)],
            )
    checkpoint = RelayCheckpoint.objects.get(name=destination())
    start = checkpoint.key
    recorded = read_all(after=start, limit=events)
    get_publisher()  # connected before the clock starts, like the raw producer below
    producer = Producer(
        producer_config(
            settings.KAFKA_BOOTSTRAP_SERVERS, timeout=settings.MESSAGING_RELAY_DELIVERY_TIMEOUT
        )
    )
    # The raw topic as the relay's are made: the same partitions, the same replicas.
    ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [f"{PREFIX}raw"])
    delivered = 0

    def report(err, _msg) -> None:
        nonlocal delivered
        delivered += err is None

    def raw() -> float:
        nonlocal delivered
        delivered = 0
        t0 = time.perf_counter()
        for event in recorded:
            # Made on the clock, as the relay makes its own: the envelope, value and headers.
            message = Message.of(event, f"{PREFIX}raw")
            producer.produce(
                message.topic,
                key=message.key,
                value=message.value(),
                headers=message.headers(),
                on_delivery=report,
            )
            producer.poll(0)
        producer.flush(60)
        return delivered / (time.perf_counter() - t0)

    def relay() -> float:
        # The same events each round: the checkpoint goes back to before them.
        RelayCheckpoint.objects.filter(pk=checkpoint.pk).update(
            log_tx=start.log_tx, position=start.position
        )
        t0 = time.perf_counter()
        run = relay_log()
        return run.published / (time.perf_counter() - t0)

    # Turns in rounds, the median of each: the VM's neighbours move single runs by ±15%.
    relay_rates, raw_rates = [], []
    for _ in range(rounds):
        relay_rates.append(relay())
        raw_rates.append(raw())
    relay_rate, raw_rate = statistics.median(relay_rates), statistics.median(raw_rates)
    kafka, batch = settings.KAFKA_BOOTSTRAP_SERVERS, settings.MESSAGING_RELAY_BATCH
    registry = "with" if settings.SCHEMA_REGISTRY_URL else "without"
    print(f"throughput: {len(recorded)} events over {STREAMS} streams, Kafka at {kafka}, "
          f"relay batch {batch}, {registry} the schema registry; median of {rounds} "
          "rounds")  # fmt: skip
    print(f"  {'relay (the log to Kafka)':<34}{relay_rate:>10.0f} events/s   rounds: "
          + ", ".join(f"{r:.0f}" for r in relay_rates))  # fmt: skip
    print(f"  {'raw confluent-kafka producer':<34}{raw_rate:>10.0f} events/s   rounds: "
          + ", ".join(f"{r:.0f}" for r in raw_rates))  # fmt: skip
    print(f"  {'ratio relay / raw':<34}{relay_rate / raw_rate:>10.2f}")


def latency(rate: float, seconds: float, database_url: str) -> None:
    from confluent_kafka import Consumer
    from django.conf import settings
    from django.db import transaction

    from eventstore.context import operation
    from eventstore.store import NewEvent, append

    settings.MESSAGING_RELAY_ON_COMMIT = True
    topic = f"{PREFIX}documents.events"
    received: dict[str, float] = {}
    stop = threading.Event()

    def receive() -> None:
        consumer = Consumer({
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"{PREFIX}latency", "auto.offset.reset": "latest",
            "fetch.wait.max.ms": 5, "enable.auto.commit": False,
        })  # fmt: skip
        consumer.subscribe([topic])
        while not stop.is_set():
            message = consumer.poll(0.1)
            if message is not None and not message.error():
                received.setdefault(dict(message.headers())["event_id"].decode(), time.time())
        consumer.close()

    workdir = Path(tempfile.mkdtemp(prefix="relay-bench-"))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "project", "worker", "--concurrency", "2",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "false"},
        stdout=(workdir / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    try:
        # Off the clock: the worker boots, and its first relay run connects the producer,
        # checks the topics and registers the schema; the reader is assigned.
        with operation(actor="system:benchmark"), transaction.atomic():
            append(
                stream_type="documents.Document",
                stream_id=uuid.uuid4(),
                expected_version=0,
                events=[NewEvent(EVENT_TYPE, uploaded(0))],
            )
        time.sleep(8)
        committed_at: dict[str, float] = {}
        count = int(rate * seconds)
        start = time.perf_counter()
        for i in range(count):
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
            with operation(actor="system:benchmark"), transaction.atomic():
                (event,) = append(
                    stream_type="documents.Document",
                    stream_id=uuid.uuid4(),
                    expected_version=0,
                    events=[NewEvent(EVENT_TYPE, uploaded(i))],
                )
                # Registered before the relay's trigger, so it runs right at the commit.
                transaction.on_commit(
                    lambda e=str(event.event_id): committed_at.__setitem__(e, time.time())
                )
        achieved = count / (time.perf_counter() - start)
        deadline = time.monotonic() + 60
        while set(committed_at) - set(received) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        worker.terminate()
        worker.wait(30)
    millis = [(received[e] - committed_at[e]) * 1000 for e in committed_at if e in received]
    # The first second apart: the warm-up reached one of the worker's two pool processes,
    # and the other one's first relay makes its producer, checks the topics and registers
    # the schema (about 0.6 s) while the first events wait.
    first = min(committed_at.values()) + 1
    later = [
        (received[e] - at) * 1000 for e, at in committed_at.items() if e in received and at >= first
    ]
    print(f"latency: {len(millis)}/{count} events received, one per transaction at "
          f"{achieved:.0f}/s (asked {rate:.0f}/s), relayed by a Celery worker")  # fmt: skip
    for label, values in (("all events", millis), ("after the first second", later)):
        q = statistics.quantiles(values, n=100)
        print(f"  commit to a consumer, {label:<24}p50 {q[49]:.1f} ms   p99 {q[98]:.1f} ms   "
              f"max {max(values):.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20000, help="events for the throughput")
    parser.add_argument("--rounds", type=int, default=5, help="turns of relay and raw producer")
    parser.add_argument("--rate", type=float, default=30, help="appends/s for the latency")
    parser.add_argument("--seconds", type=float, default=20, help="duration of the latency run")
    args = parser.parse_args()
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        sys.exit("set KAFKA_BOOTSTRAP_SERVERS (see `scripts/services env`)")
    # A broker database of its own, emptied first: tasks other runs left queued (a test
    # worker's beat, say) would otherwise keep this run's worker busy.
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:56379/0")
    broker = broker.rsplit("/", 1)[0] + "/13"
    url = setup_django(
        EVENT_BUS="kafka",
        KAFKA_TOPIC_PREFIX=PREFIX,
        CELERY_BROKER_URL=broker,
    )
    from kombu import Connection

    # The relay and the raw producer run in a process set up as a Celery worker's is: what
    # start-up made is frozen (project.celery.freeze_start_up_objects).
    gc.freeze()

    with Connection(broker) as conn:
        conn.default_channel.queue_purge("celery")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL {url}")
    throughput(args.events, args.rounds)
    latency(args.rate, args.seconds, url)


if __name__ == "__main__":
    main()

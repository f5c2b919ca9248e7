"""The outbox relay against Kafka: throughput beside a raw producer, and commit-to-ack latency.

1. Throughput: N committed events are relayed by ``relay_outbox`` (read the outbox, publish
   through the idempotent producer, wait for the delivery reports, mark published), timed
   beside a raw confluent-kafka producer with the same configuration sending the same keys,
   values and headers to the same broker in the same run. The ratio is the figure.
2. Latency: events appended one per transaction at a steady rate while a real Celery worker
   relays them, each run triggered after its commit as in production; the latency of an
   event is from its commit to the moment the relay holds the broker's ack (the outbox
   entry's ``published_at``).

Run: ``make bench``, or with the variables of ``scripts/services env`` set:
``python benchmarks/relay_throughput.py [--events 20000] [--rate 30] [--seconds 20]``.
It works in a database of its own (``<name>_bench``) and topics of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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
    }


def throughput(events: int) -> None:
    from confluent_kafka import Producer
    from django.conf import settings

    from eventstore.context import operation
    from eventstore.models import OutboxEntry
    from eventstore.store import NewEvent, RecordedEvent, append
    from messaging.bus import Message, get_publisher, producer_config
    from messaging.relay import relay_outbox

    settings.MESSAGING_RELAY_ON_COMMIT = False  # the relay runs below, on the clock
    relay_outbox()  # whatever an earlier run left, off the clock
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
    pending = OutboxEntry.objects.filter(published_at__isnull=True, topic__startswith=PREFIX)
    messages = [
        Message(f"{PREFIX}raw", RecordedEvent.from_row(entry.event))
        for entry in pending.select_related("event").order_by("id")
    ]
    get_publisher()  # connected before the clock starts, like the raw producer below

    t0 = time.perf_counter()
    run = relay_outbox()
    relay_seconds = time.perf_counter() - t0

    producer = Producer(
        producer_config(
            settings.KAFKA_BOOTSTRAP_SERVERS, timeout=settings.MESSAGING_RELAY_DELIVERY_TIMEOUT
        )
    )
    producer.list_topics(timeout=10)
    delivered = 0

    def report(err, _msg) -> None:
        nonlocal delivered
        delivered += err is None

    t0 = time.perf_counter()
    for message in messages:
        producer.produce(
            message.topic,
            key=message.key,
            value=message.value(),
            headers=message.headers(),
            on_delivery=report,
        )
        producer.poll(0)
    producer.flush(60)
    raw_seconds = time.perf_counter() - t0

    relay_rate, raw_rate = run.published / relay_seconds, delivered / raw_seconds
    kafka, batch = settings.KAFKA_BOOTSTRAP_SERVERS, settings.MESSAGING_RELAY_BATCH
    print(f"throughput: {run.published} events over {STREAMS} streams, Kafka at {kafka}, "
          f"relay batch {batch}")  # fmt: skip
    print(f"  {'outbox relay':<34}{relay_rate:>10.0f} events/s")
    print(f"  {'raw confluent-kafka producer':<34}{raw_rate:>10.0f} events/s")
    print(f"  {'ratio relay / raw':<34}{relay_rate / raw_rate:>10.2f}")


def latency(rate: float, seconds: float, database_url: str) -> None:
    from django.conf import settings
    from django.db import transaction

    from eventstore.context import operation
    from eventstore.models import OutboxEntry
    from eventstore.store import NewEvent, append

    settings.MESSAGING_RELAY_ON_COMMIT = True
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
    try:
        time.sleep(8)  # the worker boots and connects its producer on the first run
        committed_at: dict[uuid.UUID, float] = {}
        count = int(rate * seconds)
        start = time.perf_counter()
        for i in range(count):
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
            with operation(actor="system:benchmark"), transaction.atomic():
                stream = uuid.uuid4()
                # Registered first, so it runs right at the commit, before the relay trigger.
                transaction.on_commit(lambda s=stream: committed_at.__setitem__(s, time.time()))
                append(
                    stream_type="documents.Document",
                    stream_id=stream,
                    expected_version=0,
                    events=[NewEvent(EVENT_TYPE, uploaded(i))],
                )
        achieved = count / (time.perf_counter() - start)
        deadline = time.monotonic() + 60
        entries = OutboxEntry.objects.filter(event__stream_id__in=list(committed_at))
        while entries.filter(published_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        acked = {
            stream: published_at.timestamp()
            for stream, published_at in entries.values_list("event__stream_id", "published_at")
            if published_at is not None
        }
    finally:
        worker.terminate()
        worker.wait(30)
    millis = [(acked[s] - committed_at[s]) * 1000 for s in acked]
    q = statistics.quantiles(millis, n=100)
    print(f"latency: {len(millis)}/{count} events acked, one per transaction at "
          f"{achieved:.0f}/s (asked {rate:.0f}/s), relayed by a Celery worker")  # fmt: skip
    print(f"  commit to broker ack   p50 {q[49]:.1f} ms   p99 {q[98]:.1f} ms   max "
          f"{max(millis):.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20000, help="events for the throughput")
    parser.add_argument("--rate", type=float, default=30, help="appends/s for the latency")
    parser.add_argument("--seconds", type=float, default=20, help="duration of the latency run")
    args = parser.parse_args()
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        sys.exit("set KAFKA_BOOTSTRAP_SERVERS (see `scripts/services env`)")
    url = setup_django(
        EVENT_BUS="kafka",
        KAFKA_TOPIC_PREFIX=PREFIX,
    )
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL {url}")
    throughput(args.events)
    latency(args.rate, args.seconds, url)


if __name__ == "__main__":
    main()

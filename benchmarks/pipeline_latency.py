"""End-to-end latency of the distributed pipeline: a commit in the translations context until
the documents context has handled it (the relay in a Celery worker, Kafka, the documents
consumer process), beside a raw producer-to-consumer round trip on the same broker.

1. Peak: a burst of submissions (one request per transaction, as fast as one client commits)
   and the rate at which the documents consumer has locked their documents.
2. Latency at half that rate, for ``--seconds``: from each ``TranslationRequested`` commit to
   the moment the documents context appended its ``DocumentLocked`` (caused by that event).
3. The same count of raw messages at the same rate, from a confluent-kafka producer with the
   relay's configuration to a consumer with the consumers' configuration, on the same broker:
   what Kafka itself costs here.

Run: with the variables of ``scripts/services env`` set,
``python benchmarks/pipeline_latency.py [--burst 150] [--seconds 15]``. It works in a database
of its own (``<name>_bench``), topics of its own and a Redis database of its own.
"""

from __future__ import annotations

import argparse
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

PREFIX = f"lat{uuid.uuid4().hex[:8]}."


def quantiles(millis: list[float]) -> str:
    q = statistics.quantiles(millis, n=100)
    return f"p50 {q[49]:7.1f} ms   p99 {q[98]:7.1f} ms   max {max(millis):7.1f} ms"


PROCESSES = {
    "worker": ["-m", "celery", "-A", "project", "worker", "--concurrency", "1",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel", "WARNING"],
    "documents": ["manage.py", "consume", "documents"],
}  # fmt: skip


class Pipeline:
    """The app's processes on the benchmark's database: a Celery worker (the relay) and the
    documents context's consumer."""

    def __init__(self, database_url: str) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
        env = {**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "false"}
        self.processes = []
        for name, command in PROCESSES.items():
            log = (self.workdir / f"{name}.log").open("w")
            self.processes.append(subprocess.Popen(
                [sys.executable, *command], cwd=REPO, env=env, start_new_session=True,
                stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(30)


def documents(count: int, owner_id: int) -> list:
    """Documents to submit (uploaded before the clock starts)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import document_upload
    from eventstore.context import operation

    made = []
    with operation(actor=f"user:{owner_id}"):
        for n in range(count):
            file = SimpleUploadedFile(f"bench-{n}.txt", f"Benchmark text {n}".encode())
            made.append(document_upload(owner_id=owner_id, title=f"Bench {n}", file=file))
    return made


def submit(document, owner_id: int, committed_at: dict[str, float]) -> None:
    from django.db import transaction

    from documents.selectors import revision
    from eventstore.context import operation
    from eventstore.models import Event
    from translations.services import translation_requests_submit

    pinned = revision(document.pk, 1)
    with operation(actor=f"user:{owner_id}"), transaction.atomic():
        (request,) = translation_requests_submit(
            document_id=document.pk, revision=1, source_sha256=pinned.sha256,
            customer_id=owner_id, target_languages=["fr"],
        )  # fmt: skip
        event_id = str(Event.objects.filter(stream_id=request.pk).values_list("event_id").get()[0])
        # Registered before the relay's trigger, so it runs right at the commit.
        transaction.on_commit(lambda: committed_at.__setitem__(event_id, time.time()))


def handled_at(event_ids) -> dict[str, float]:
    """When the documents context appended the lock caused by each of ``event_ids``."""
    from eventstore.models import Event

    locks = Event.objects.filter(event_type="documents.DocumentLocked").values_list(
        "metadata__causation_id", "occurred_at"
    )
    wanted = set(event_ids)
    return {cause: at.timestamp() for cause, at in locks if cause in wanted}


def wait_handled(committed_at: dict[str, float], timeout: float = 120) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while True:
        done = handled_at(committed_at)
        if len(done) == len(committed_at) or time.monotonic() > deadline:
            return done
        time.sleep(0.2)


def pipeline(burst: int, seconds: float, owner_id: int, cap: float) -> tuple[float, int]:
    # The peak: a burst, as fast as one client commits.
    committed: dict[str, float] = {}
    for document in documents(burst, owner_id):
        submit(document, owner_id, committed)
    done = wait_handled(committed)
    peak = len(done) / (max(done.values()) - min(committed.values()))
    print(
        f"peak: {len(done)}/{burst} submissions handled at {peak:.0f}/s (a burst from one client)"
    )

    rate = min(peak / 2, cap)
    count = int(rate * seconds)
    ready = documents(count, owner_id)
    time.sleep(2)  # their uploads drained through the pipeline
    committed = {}
    start = time.perf_counter()
    for i, document in enumerate(ready):
        time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        submit(document, owner_id, committed)
    achieved = count / (time.perf_counter() - start)
    done = wait_handled(committed)
    millis = [(done[e] - committed[e]) * 1000 for e in committed if e in done]
    print(f"pipeline: {len(millis)}/{count} handled, one submission per transaction at "
          f"{achieved:.0f}/s (half the peak{', capped' if rate == cap else ''})")  # fmt: skip
    print(f"  commit -> handled by the other context   {quantiles(millis)}")
    return rate, count


def raw(rate: float, count: int) -> None:
    from confluent_kafka import Consumer, Producer
    from django.conf import settings

    from messaging.bus import producer_config
    from messaging.topics import ensure_topics

    topic = f"{PREFIX}raw"
    ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [topic])
    received: dict[str, float] = {}
    stop, assigned = threading.Event(), threading.Event()

    def receive() -> None:
        consumer = Consumer({
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"{PREFIX}raw", "auto.offset.reset": "latest",
            "enable.auto.commit": True, "enable.auto.offset.store": False,
        })  # fmt: skip
        consumer.subscribe([topic], on_assign=lambda *_: assigned.set())
        while not stop.is_set():
            message = consumer.poll(0.1)
            if message is not None and not message.error():
                received.setdefault(message.key().decode(), time.time())
                consumer.store_offsets(message=message)
        consumer.close()

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    assigned.wait(30)
    time.sleep(1)
    producer = Producer(producer_config(settings.KAFKA_BOOTSTRAP_SERVERS, timeout=15))
    producer.produce(topic, key=b"warm-up", value=b"{}")  # the topic's metadata, off the clock
    producer.flush(15)
    sent: dict[str, float] = {}
    start = time.perf_counter()
    for i in range(count):
        time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        key = uuid.uuid4().hex
        sent[key] = time.time()
        producer.produce(topic, key=key.encode(), value=b'{"raw": true}')
        producer.poll(0)
    producer.flush(30)
    deadline = time.monotonic() + 30
    while set(sent) - set(received) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    reader.join(10)
    millis = [(received[k] - sent[k]) * 1000 for k in sent if k in received]
    print(f"raw: {len(millis)}/{count} messages at {rate:.0f}/s, same broker, same run")
    print(f"  producer -> consumer (one Kafka hop)     {quantiles(millis)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=150, help="submissions for the peak")
    parser.add_argument("--seconds", type=float, default=15, help="duration at half the peak")
    parser.add_argument("--cap", type=float, default=60, help="highest rate to run at (/s)")
    args = parser.parse_args()
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        sys.exit("set KAFKA_BOOTSTRAP_SERVERS (see `scripts/services env`)")
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:56379/0")
    broker = broker.rsplit("/", 1)[0] + "/12"
    media = tempfile.mkdtemp(prefix="pipeline-media-")
    # A database made anew: new topics get the whole log first, and history is not the point.
    url = setup_django(
        fresh=True, EVENT_BUS="kafka", KAFKA_TOPIC_PREFIX=PREFIX, CELERY_BROKER_URL=broker,
        MEDIA_ROOT=media, EVENTSTORE_WITNESS_FILE=f"{media}/checkpoints.jsonl",
    )  # fmt: skip
    from django.contrib.auth import get_user_model
    from kombu import Connection

    with Connection(broker) as conn:
        conn.default_channel.queue_purge("celery")
    owner = get_user_model().objects.get_or_create(username="bench-customer")[0]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL {url}, Kafka "
          f"{os.environ['KAFKA_BOOTSTRAP_SERVERS']}")  # fmt: skip
    processes = Pipeline(url)
    try:
        time.sleep(8)  # the worker and the consumer boot, connect and are assigned
        rate, count = pipeline(args.burst, args.seconds, owner.pk, args.cap)
    finally:
        processes.stop()
    raw(rate, count)


if __name__ == "__main__":
    main()

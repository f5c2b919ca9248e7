"""The cost of serialised appends: throughput and latency of ``eventstore.store.append``.

Appends take the chain head's row lock until commit, so appending transactions run one at a
time. This prints, for 1 and N concurrent writers, appends/s and the p50/p99 latency of one
append transaction (one event, committed), beside a baseline in the same run: the same
writers inserting the same rows into a table with a plain sequence and no lock.

Run: ``make bench`` (starts the test services), or with DATABASE_URL pointing at PostgreSQL:
``python benchmarks/append_throughput.py [--events 2000] [--writers 4]``. It works in a
database of its own (``<name>_bench``), created and migrated on the first run.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid

from setup import setup_django


def run_writers(writers: int, per_writer: int, one_append) -> tuple[float, list[float]]:
    from django.db import connections

    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(writers + 1)

    def work() -> None:
        mine = []
        start.wait()
        for _ in range(per_writer):
            t0 = time.perf_counter()
            one_append()
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
        connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="appends per scenario")
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()

    url = setup_django()
    from django.db import connection, transaction

    from eventstore.context import operation
    from eventstore.store import NewEvent, append

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline (position bigserial PRIMARY KEY, "
            "event_id uuid, stream_id uuid, version int, event_type text, data jsonb, "
            "metadata jsonb, UNIQUE (stream_id, version))"
        )
    data = {
        "owner_id": 1,
        "title": "Benchmark",
        "revision": 1,
        "filename": "a.txt",
        "sha256": "a" * 64,
        "size": 10,
        "content_type": "text/plain",
    }

    def store_append() -> None:
        with operation(actor="system:benchmark"), transaction.atomic():
            append(
                stream_type="documents.Document",
                stream_id=uuid.uuid4(),
                expected_version=0,
                events=[NewEvent("documents.DocumentUploaded", data)],
            )

    def baseline_insert() -> None:
        import json

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_baseline (event_id, stream_id, version, event_type, data, "
                "metadata) VALUES (%s, %s, 1, %s, %s, %s)",
                [uuid.uuid4(), uuid.uuid4(), "documents.DocumentUploaded", json.dumps(data), "{}"],
            )

    print(f"{args.events} one-event append transactions per row, PostgreSQL at {url}")
    print(f"{'scenario':<44}{'appends/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    scenarios = (("event store append", store_append), ("baseline insert", baseline_insert))
    for writers in (1, args.writers):
        for label, fn in scenarios:
            elapsed, lat = run_writers(writers, args.events // writers, fn)
            q = statistics.quantiles(lat, n=100)
            rate = len(lat) / elapsed
            name = f"{label}, {writers} writer(s)"
            print(f"{name:<44}{rate:>10.0f}{q[49] * 1000:>9.2f}{q[98] * 1000:>9.2f}")


if __name__ == "__main__":
    main()

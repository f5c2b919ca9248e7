"""Appends per second and their latency, beside plain inserts of the same rows in the same run.

Each writer is a process of its own (threads would measure the GIL) with its own connection,
appending one event per transaction to a new stream for a fixed time; the figures are
appends/s over all writers and the p50/p99 latency of one append transaction (append and
commit). The baseline writes the same rows (the event row, all the relay reads) by one plain
INSERT per transaction into a copy of the event table with the same columns and indexes and
no trigger, with ``synchronous_commit`` on as for the store. Both tables start empty (the
benchmark database is made anew) and a checkpoint precedes each scenario, so both pay the
same full-page writes.

Run: ``make bench`` (starts the test services), or with DATABASE_URL pointing at PostgreSQL:
``python benchmarks/append_throughput.py [--seconds 5] [--writers 1 4 16]``. It works in a
database of its own (``<name>_bench``), created and migrated on the first run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

from setup import setup_django

DATA = {
    "owner_id": 1,
    "title": "Benchmark",
    "revision": 1,
    "filename": "a.txt",
    "sha256": "a" * 64,
    "size": 10,
    "content_type": "text/plain",
    "word_count": 2,
}
EVENT_TYPE = "documents.DocumentUploaded"


def store_append() -> None:
    """One append in its own transaction (the actor given directly: in the app, the request's
    operation names it, opened once per request)."""
    from django.db import transaction

    from eventstore.store import NewEvent, append

    with transaction.atomic():
        append(
            stream_type="documents.Document",
            stream_id=uuid.uuid4(),
            expected_version=0,
            events=[NewEvent(EVENT_TYPE, DATA)],
            actor="system:benchmark",
        )


def baseline_insert() -> None:
    """One plain INSERT of the row the store writes: the same data and the same metadata
    (a new correlation id and trace per operation, as the store stamps them)."""
    from django.db import connection, transaction

    metadata = {
        "actor": "system:benchmark",
        "causation_id": None,
        "correlation_id": str(uuid.uuid4()),
        "request_id": None,
        "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (log_tx, tx_id, event_id, stream_type, stream_id, "
            "version, event_type, schema_version, occurred_at, data, metadata, prev_hash, hash) "
            "VALUES (pg_current_xact_id()::text::bigint, pg_current_xact_id()::text::bigint, "
            "%s, 'documents.Document', %s, 1, %s, 1, statement_timestamp(), %s, %s, %s, %s)",
            [uuid.uuid4(), uuid.uuid4(), EVENT_TYPE, json.dumps(DATA), json.dumps(metadata),
             "0" * 64, uuid.uuid4().hex * 2],
        )  # fmt: skip


SCENARIOS = {"event store append": store_append, "baseline insert": baseline_insert}


def writer(name: str, seconds: float, start, results) -> None:
    from django.db import connections

    work = SCENARIOS[name]
    try:
        work()  # connected and warm before the clock starts
    except Exception as exc:
        start.abort()  # the run fails at once instead of waiting for this writer
        results.put(f"{type(exc).__name__}: {exc}")
        raise
    start.wait()  # all warmed up: the clock starts now for every writer
    deadline = time.perf_counter() + seconds
    latencies = []
    while (t0 := time.perf_counter()) < deadline:
        work()
        latencies.append(time.perf_counter() - t0)
    connections.close_all()
    results.put(latencies)


def run(name: str, writers: int, seconds: float) -> tuple[float, list[float]]:
    from django.db import connections

    connections.close_all()  # children open their own connections
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(writers + 1), ctx.Queue()
    processes = [
        ctx.Process(target=writer, args=(name, seconds, start, results)) for _ in range(writers)
    ]
    for p in processes:
        p.start()
    try:
        start.wait(timeout=120)
    except threading.BrokenBarrierError:
        sys.exit(f"a writer failed: {results.get(timeout=10)}")
    latencies = [x for _ in processes for x in results.get(timeout=seconds + 120)]
    for p in processes:
        p.join()
    return len(latencies) / seconds, latencies


def checkpoint() -> None:
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")  # a superuser's (or pg_checkpoint's) right
    except DatabaseError:
        pass
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3, help="per round of a scenario")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()

    url = setup_django(fresh=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_baseline")
        cursor.execute(
            "CREATE TABLE bench_baseline (LIKE eventstore_event INCLUDING DEFAULTS "
            "INCLUDING IDENTITY INCLUDING INDEXES INCLUDING CONSTRAINTS)"
        )
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL {url}, synchronous_commit {sync}")
    print(
        f"one-event append transactions, each writer a process; {args.rounds} rounds of "
        f"{args.seconds:g} s per scenario, baseline and store taking turns (median round)"
    )
    print(f"{'scenario':<36}{'appends/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'of base':>9}")
    rates: dict[tuple[str, int], float] = {}
    for writers in args.writers:
        rounds: dict[str, list[float]] = {name: [] for name in SCENARIOS}
        latencies: dict[str, list[float]] = {name: [] for name in SCENARIOS}
        for _ in range(args.rounds):
            for name in ("baseline insert", "event store append"):
                checkpoint()
                rate, lat = run(name, writers, args.seconds)
                rounds[name].append(rate)
                latencies[name] += lat
        for name in ("baseline insert", "event store append"):
            rates[name, writers] = rate = statistics.median(rounds[name])
            q = statistics.quantiles(latencies[name], n=100)
            base = rates["baseline insert", writers]
            print(
                f"{f'{name}, {writers} writer(s)':<36}{rate:>10.0f}{q[49] * 1000:>9.2f}"
                f"{q[98] * 1000:>9.2f}{rate / base:>9.0%}"
            )
    first, last = args.writers[0], args.writers[-1]
    if last != first:
        store = rates["event store append", last] / rates["event store append", first]
        base = rates["baseline insert", last] / rates["baseline insert", first]
        print(
            f"speed-up from {first} to {last} writers: store {store:.2f}x, baseline "
            f"{base:.2f}x, store/baseline {store / base:.0%}"
        )


if __name__ == "__main__":
    main()

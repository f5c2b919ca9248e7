"""The audit's figures: sealing throughput beside the append rate, full verification time per
10^5 events, and the time and size of inclusion and consistency proofs in a tree of 10^6.

Run: ``make bench``, or with DATABASE_URL pointing at PostgreSQL:
``python benchmarks/audit_throughput.py [--events 100000] [--tree 1000000]``. It works in a
fresh database of its own (``<name>_bench``); the proofs are measured on a tree of synthetic
leaves that replaces the sealed one at the end.

- append rate: one process appending 100-event transactions (how fast the log can grow from
  one writer), and 1-event transactions for the figure writers see;
- sealing: ``seal()`` over the whole backlog (10,000 events per checkpoint), events/s;
- verification: ``verify_audit()`` (chains, leaves, every node and checkpoint), s per 10^5;
- proofs: ``tree.inclusion_proof`` / ``tree.consistency_proof`` for random leaves and sizes
  (each one query for O(log n) stored subtrees), with their size in bytes (32 per hash).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from setup import setup_django

DATA = {"owner_id": 1, "title": "Benchmark", "revision": 1, "filename": "a.txt",
        "sha256": "a" * 64, "size": 10, "content_type": "text/plain", "word_count": 2}  # fmt: skip


def append_events(total: int, per_append: int) -> float:
    """Appends ``total`` events in transactions of ``per_append``; returns events/s."""
    from django.db import transaction

    from eventstore.store import NewEvent, append

    events = [NewEvent("documents.DocumentUploaded", DATA)] * per_append
    started = time.perf_counter()
    for _ in range(total // per_append):
        with transaction.atomic():
            append(stream_type="documents.Document", stream_id=uuid.uuid4(),
                   expected_version=0, events=events, actor="system:benchmark")  # fmt: skip
    return total / (time.perf_counter() - started)


def synthetic_tree(size: int) -> None:
    """Replaces the stored tree by one of ``size`` random leaves, written with COPY."""
    from django.db import connection

    from eventstore.tree import Frontier

    frontier = Frontier(0, [])
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # past the append-only trigger
        cursor.execute("DELETE FROM eventstore_tree_node")
        cursor.execute("RESET session_replication_role")
        rng = random.Random(7)
        with cursor.connection.cursor().copy(
            "COPY eventstore_tree_node (level, index, hash) FROM STDIN"
        ) as copy:
            for _ in range(size):
                for level, index, hash_ in frontier.append(rng.randbytes(32)):
                    copy.write_row((level, index, hash_))
        cursor.execute("ANALYZE eventstore_tree_node")


def timed(work, runs: int) -> tuple[float, float, list]:
    """p50 and p99 in ms of ``runs`` calls, and the last result."""
    latencies, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        latencies.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(latencies, n=100)
    return q[49], q[98], result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events to seal and verify")
    parser.add_argument("--tree", type=int, default=1_000_000, help="leaves for the proofs")
    parser.add_argument("--proofs", type=int, default=500, help="proofs timed per kind")
    args = parser.parse_args()
    keys = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    url = setup_django(
        fresh=True,
        EVENTSTORE_SIGNING_KEY_FILE=str(keys / "signing.key"),
        EVENTSTORE_WITNESS_FILE=str(keys / "checkpoints.jsonl"),
    )
    from django.db import connection

    from eventstore import merkle, tree
    from eventstore.sealing import seal
    from eventstore.verification import verify_audit

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL {url}")
    one = append_events(2_000, 1)
    bulk = append_events(args.events - 2_000, 100)
    print(f"append, one process: {one:,.0f} events/s in 1-event transactions, "
          f"{bulk:,.0f} events/s in 100-event transactions")  # fmt: skip

    started = time.perf_counter()
    checkpoint = seal()
    sealing = time.perf_counter() - started
    print(f"seal {checkpoint.tree_size:,} events: {sealing:.1f} s, "
          f"{checkpoint.tree_size / sealing:,.0f} events/s "
          f"({checkpoint.tree_size / sealing / one:.1f}x the 1-writer append rate)")  # fmt: skip

    started = time.perf_counter()
    report = verify_audit()
    verifying = time.perf_counter() - started
    assert report.ok, (report.chain.broken, report.tree.problems)
    print(f"verify_events over {report.tree.leaves:,} events: {verifying:.1f} s, "
          f"{verifying / report.tree.leaves * 100_000:.1f} s per 10^5 events")  # fmt: skip

    started = time.perf_counter()
    synthetic_tree(args.tree)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('eventstore_tree_node'))")
        stored = cursor.fetchone()[0]
    print(f"tree of {args.tree:,} leaves built and stored in {time.perf_counter() - started:.0f} "
          f"s ({stored} with its index)")  # fmt: skip
    size, rng = args.tree, random.Random(11)
    root = tree.root(size)
    p50, p99, _ = timed(lambda: tree.inclusion_proof(rng.randrange(size), size), args.proofs)
    index = rng.randrange(size)
    proof = tree.inclusion_proof(index, size)
    leaf = tree.nodes([(0, index)])[0, index]
    merkle.verify_inclusion(index, size, leaf, proof, root)
    print(f"inclusion proof at {size:,}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"{len(proof)} hashes = {32 * len(proof)} bytes")  # fmt: skip
    p50, p99, _ = timed(lambda: tree.consistency_proof(rng.randrange(1, size), size), args.proofs)
    old = rng.randrange(1, size)
    proof = tree.consistency_proof(old, size)
    merkle.verify_consistency(old, size, tree.root(old), root, proof)
    longest = max(len(merkle.consistency_ranges(m, size)) for m in range(1, size, 997))
    print(f"consistency proof at {size:,}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"{len(proof)} hashes = {32 * len(proof)} bytes (at most {longest} hashes = "
          f"{32 * longest} bytes)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

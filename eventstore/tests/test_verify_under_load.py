"""Verification never cries wolf: while 8 writers append (some to shared streams, some
rolling back) and the sealer seals, 50 runs of the whole verification report nothing."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
from django.db import transaction

from eventstore.context import operation
from eventstore.exceptions import ConcurrencyError
from eventstore.sealing import seal, witnessed
from eventstore.store import stream_version
from eventstore.verification import verify_audit
from testkit.concurrency import Worker
from testkit.helpers import append_things

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]


class Rollback(Exception):
    pass


def test_fifty_verifications_during_appends_and_seals_report_nothing(actor, witness_file):
    shared = [uuid.uuid4() for _ in range(3)]
    stop = threading.Event()

    def writer(seed: int) -> int:
        rng, appended = random.Random(seed), 0
        with operation(actor=f"user:{seed}"):
            while not stop.is_set():
                stream = rng.choice([*shared, uuid.uuid4()])
                try:
                    with transaction.atomic():
                        append_things(stream, seed, expected_version=stream_version(stream))
                        if rng.random() < 0.1:
                            raise Rollback
                    appended += 1
                except (ConcurrencyError, Rollback):
                    pass
        return appended

    def sealer() -> int:
        sealed = 0
        while not stop.is_set():
            sealed += seal() is not None
            stop.wait(0.5)  # a checkpoint every half second, as under load
        return sealed

    workers = [Worker(lambda seed=seed: writer(seed)) for seed in range(8)] + [Worker(sealer)]
    for worker in workers:
        worker.start()
    reports = []
    try:
        for _ in range(50):
            # The witness as it is when the check starts: every checkpoint in it committed.
            notes = (
                [(str(n), note) for n, note in witnessed(witness_file)]
                if witness_file.exists()
                else []
            )
            reports.append(verify_audit(witnesses=notes))
    finally:
        stop.set()
        appended = [worker.outcome(60) for worker in workers]

    false_reports = [r for r in reports if not r.ok]
    assert false_reports == [], (false_reports[0].chain.broken, false_reports[0].tree.problems)
    assert sum(appended[:8]) > 50 and appended[8] > 3  # there was load, and sealing
    assert max(r.tree.checkpoints for r in reports) > min(r.tree.checkpoints for r in reports)
    assert max(r.tree.witnessed for r in reports) > 3

"""When checkpoints are sealed: by beat in a real Celery worker (and published to the Kafka
witness), or by a thread of the app's process in the embedded mode."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.management import call_command

from eventstore.models import Checkpoint, Event
from eventstore.sealing import witnessed
from messaging.witness import read_witnessed
from testkit.helpers import append_things
from testkit.processes import celery_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]


def sealed_size() -> int:
    latest = Checkpoint.objects.order_by("-tree_size").first()
    return latest.tree_size if latest else 0


@pytest.mark.kafka
@pytest.mark.redis
def test_beat_seals_and_the_kafka_witness_keeps_every_checkpoint(
    kafka_bus, run_process, tmp_path, witness_file, actor, capsys
):
    run_process(celery_worker(tmp_path, EVENTSTORE_SEAL_INTERVAL="0.3"))
    for round_ in range(3):
        for n in range(5):
            append_things(uuid.uuid4(), round_ * 10 + n)
        wait_for(lambda: sealed_size() == Event.objects.count(), timeout=30, what="a seal")

    checkpoints = list(Checkpoint.objects.values_list("note", flat=True))
    assert len(checkpoints) >= 3
    on_kafka = wait_for(
        lambda: (notes := [n for _, n in read_witnessed()]) == checkpoints and notes,
        timeout=30, what="the checkpoints on the witness topic",
    )  # fmt: skip
    assert on_kafka == checkpoints
    assert [note for _, note in witnessed(witness_file)] == checkpoints

    call_command("verify_kafka_witness")
    assert f"{len(checkpoints)} checkpoint(s) witnessed on" in capsys.readouterr().out


def test_the_embedded_mode_seals_in_a_thread_while_events_commit(relay_on_commit, settings, actor):
    settings.EVENTSTORE_SEAL_IN_PROCESS = True
    settings.EVENTSTORE_SEAL_INTERVAL = 0.05

    append_things(uuid.uuid4(), 1)  # (an in-process consumer appends an echo of each)
    wait_for(lambda: sealed_size() == Event.objects.count(), timeout=10, what="the first seal")
    first = sealed_size()
    append_things(uuid.uuid4(), 2, 3)
    wait_for(lambda: sealed_size() == Event.objects.count() > first, timeout=10, what="a seal")
    # A round that finds nothing ends the thread: no thread polls an idle database.
    wait_for(
        lambda: not any(t.name == "sealer" for t in threading.enumerate()),
        timeout=10, what="the sealer thread to end",
    )  # fmt: skip

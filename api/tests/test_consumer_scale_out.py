"""Consumer groups that scale out: three processes of one group share the partitions; one is
SIGKILLed mid-stream and its partitions move to the others, with nothing lost, nothing
applied twice and every stream's order kept (the inbox and the ordering guard)."""

from __future__ import annotations

import pytest

from documents.models import DocumentView
from eventstore.models import Event
from eventstore.verification import verify_chain
from testkit.processes import celery_worker, consumer_process, wait_for
from translations.models import RequestView

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.kafka,
    pytest.mark.redis,
    pytest.mark.usefixtures("committed_db", "kafka_bus"),
    pytest.mark.timeout(300),
]
WORKFLOWS = 18


def applied_by(process) -> list[str]:
    return [
        line["event_id"] for line in process.log_lines() if line.get("event") == "event_applied"
    ]


def test_three_consumers_share_a_group_and_survive_losing_one(
    settings, run_process, tmp_path, no_saga, users
):
    settings.MESSAGING_RELAY_ON_COMMIT = True
    settings.MEDIA_ROOT = tmp_path / "media"
    run_process(celery_worker(tmp_path))
    run_process(consumer_process("translations", tmp_path))
    group = [run_process(consumer_process("documents", tmp_path, replica=n)) for n in (1, 2, 3)]
    customer = no_saga(users.customer)

    documents, requests = [], []
    for n in range(WORKFLOWS):
        if n == WORKFLOWS // 3:
            # The work is shared before the kill: more than one process applied events.
            wait_for(lambda: sum(1 for p in group if applied_by(p)) >= 2, timeout=60,
                     what="the group's processes to share the work")  # fmt: skip
            group[0].kill()
        document = customer.upload(f"doc-{n}.txt", f"Text {n}".encode()).json()["id"]
        documents.append(document)
        requests.append(customer.submit(document).json()["id"])
        customer.submit(document, target_language="de")  # a second hold of the same lock

    wait_for(lambda: RequestView.objects.filter(status="open").count() == 2 * WORKFLOWS,
             timeout=120, what="every request to open")  # fmt: skip

    # Nothing lost, nothing applied twice, each document's stream in order: locked once per
    # language, by the right requests.
    for document in DocumentView.objects.prefetch_related("locks"):
        types = list(
            Event.objects.filter(stream_id=document.pk).order_by("version")
            .values_list("event_type", flat=True)
        )  # fmt: skip
        assert types == ["documents.DocumentUploaded", *["documents.DocumentLocked"] * 2]
        assert len(document.locks.all()) == 2
    applied = [event for process in group for event in applied_by(process)]
    assert len(applied) == len(set(applied))  # no event applied by two processes
    assert verify_chain().ok
    survivors = [p for p in group[1:] if applied_by(p)]
    assert survivors, "the survivors took over the killed process's partitions"

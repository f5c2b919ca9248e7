"""The workflow in the distributed mode: PostgreSQL, the relay in a real Celery worker on
Redis, Kafka, and the two contexts' consumers as ``manage.py consume`` processes."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from testkit.processes import celery_worker, consumer_process, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.kafka,
    pytest.mark.redis,
    pytest.mark.usefixtures("committed_db", "kafka_bus"),
]


@pytest.fixture
def distributed(settings, run_process, tmp_path, no_saga):
    settings.MESSAGING_RELAY_ON_COMMIT = True  # each commit queues the relay task
    settings.MEDIA_ROOT = tmp_path / "media"
    run_process(celery_worker(tmp_path))
    run_process(consumer_process("documents", tmp_path))
    run_process(consumer_process("translations", tmp_path))
    run_process(consumer_process("notifications", tmp_path))
    return no_saga


def status_of(api, request_id) -> str:
    return api.request(request_id)["status"]


def until(condition, what: str):
    return wait_for(condition, timeout=60, what=what)


def test_the_whole_workflow_across_processes(distributed, users):
    customer, translator = distributed(users.customer), distributed(users.translator)

    # upload -> submit -> locked -> open -> accept -> deliver -> approve -> unlocked
    document = customer.upload().json()["id"]
    first = customer.submit(document).json()["id"]
    until(lambda: status_of(customer, first) == "open", "the request to open")
    assert customer.document(document)["locked_by_request"] == first

    # Another language of the same revision holds the lock too; the same language is refused.
    second = customer.submit(document, target_language="de").json()["id"]
    again = customer.submit(document, target_language="fr").json()["id"]
    until(lambda: status_of(customer, second) == "open", "the second language to open")
    until(lambda: status_of(customer, again) == "rejected", "the same language's rejection")
    assert customer.request(again)["reason"] == (
        f"the French translation of revision 1 (request {first[:8]}) is already in progress"
    )
    assert customer.document(document)["locked_by_requests"] == [first, second]

    assert translator.act(first, "accept").status_code == 200
    assert translator.deliver(first).status_code == 200
    assert customer.act(first, "approve").status_code == 200
    assert customer.act(second, "cancel").status_code == 200
    until(lambda: not customer.document(document)["locked"], "the document to unlock")

    # submit -> cancel -> unlocked -> new revision -> resubmit
    third = customer.submit(document).json()["id"]
    until(lambda: status_of(customer, third) == "open", "the third request to open")
    assert customer.act(third, "cancel").status_code == 200
    until(lambda: not customer.document(document)["locked"], "the cancel to unlock")
    assert customer.new_revision(document).status_code == 201
    fourth = customer.submit(document).json()
    assert fourth["revision"] == 2
    until(lambda: status_of(customer, fourth["id"]) == "open", "the resubmission to open")

    # Each reply crossed Kafka and carries its cause and the operation's correlation id.
    history = customer.get(f"/api/documents/{document}/history/").json()["results"]
    by_id = {e["event_id"]: e for e in history}
    for reply in (e for e in history if e["event_type"] == "documents.DocumentLocked"):
        cause = by_id[reply["metadata"]["causation_id"]]
        assert cause["event_type"] == "translations.TranslationRequested"
        assert reply["metadata"]["correlation_id"] == cause["metadata"]["correlation_id"]
        assert reply["metadata"]["actor"] == "system:consumer:documents"
    assert len([e for e in history if e["event_type"] == "documents.DocumentLocked"]) == 4

    # The notifications consumer, a process and consumer group of its own, told the customer.
    def told() -> list[str]:
        return list(Notification.objects.filter(user=users.customer).values_list("kind", flat=True))

    until(lambda: told().count("opened") == 4, "the customer to be told of four openings")
    assert {"rejected", "accepted", "delivered"} <= set(told())

"""The saga stays right when a reply is late: a translation request whose lock was
dead-lettered and which the customer then cancelled ends cancelled, with the document
unlocked, once the dead letter is retried (its cancel waited for it, parked)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from eventstore.store import read_stream
from messaging.consumers import get_consumer
from messaging.dispatch import retry_dead_letter
from messaging.kafka_consumer import ConsumerLoop
from messaging.models import DeadLetter, ParkedEvent
from messaging.relay import relay_log

REQUESTED = "translations.TranslationRequested"


@pytest.fixture
def documents_down(monkeypatch):
    """The documents context fails on every translation request until it is brought back."""
    documents = get_consumer("documents")
    handle = documents.handlers[REQUESTED]
    down = [True]

    def handler(event) -> None:
        if down[0]:
            raise OperationalError("the documents database is away")
        handle(event)

    monkeypatch.setitem(documents.handlers, REQUESTED, handler)  # type: ignore[index]
    return lambda: down.__setitem__(0, False)


def document_events(document_id) -> list[str]:
    return [e.event_type.split(".")[1] for e in read_stream(document_id)]


def assert_cancelled_and_unlocked(customer, request_id, document_id) -> None:
    assert customer.request(request_id)["status"] == "cancelled"
    document = customer.document(document_id)
    assert (document["locked"], document["locked_by_request"]) == (False, None)
    assert document_events(document_id) == [
        "DocumentUploaded",
        "DocumentLocked",
        "DocumentUnlocked",
    ]


@pytest.mark.django_db
def test_on_the_embedded_bus(embedded, users, documents_down, django_capture_on_commit_callbacks):
    customer = embedded(users.customer)
    document = customer.upload().json()["id"]

    # given: the lock for the request is dead-lettered, then the customer cancels
    request = customer.submit(document).json()["id"]
    (letter,) = DeadLetter.objects.filter(consumer="documents")
    assert customer.act(request, "cancel").status_code == 200
    assert ParkedEvent.objects.get(consumer="documents").version == 2  # the cancel waits

    # when: the documents context is back and the dead letter is retried
    documents_down()
    with django_capture_on_commit_callbacks(execute=True):
        retry_dead_letter(letter)

    # then: locked for the request, then unlocked by its cancel, in that order
    assert_cancelled_and_unlocked(customer, request, document)


@pytest.mark.postgres
@pytest.mark.kafka
@pytest.mark.usefixtures("committed_db", "kafka_bus")
def test_through_kafka(users, no_saga, documents_down, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MESSAGING_CONSUMER_MAX_ATTEMPTS = 2
    customer = no_saga(users.customer)
    documents = ConsumerLoop(get_consumer("documents"))
    document = customer.upload().json()["id"]
    request = customer.submit(document).json()["id"]
    relay_log()
    documents.run(max_messages=1)  # the request: dead-lettered
    (letter,) = DeadLetter.objects.filter(consumer="documents")

    assert customer.act(request, "cancel").status_code == 200
    relay_log()
    ConsumerLoop(get_consumer("documents")).run(max_messages=1)  # the cancel: parked
    assert ParkedEvent.objects.get(consumer="documents").version == 2

    documents_down()
    retry_dead_letter(letter)
    relay_log()
    # the translations context reads the lock (a cancelled request stays cancelled) and the
    # unlock, after the upload
    ConsumerLoop(get_consumer("translations")).run(max_messages=3)

    assert_cancelled_and_unlocked(customer, request, document)

"""The customer's and the translator's workflow through the API, on the embedded bus."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from eventstore.store import read_stream
from translations.services import translation_requests_expire_overdue

pytestmark = pytest.mark.django_db


def test_upload_submit_open_accept_deliver_unlocks_the_document(embedded, users):
    customer, translator = embedded(users.customer), embedded(users.translator)

    uploaded = customer.upload(title="Letter", content=b"Dear reader")
    assert uploaded.status_code == 201, uploaded.content
    document = uploaded.json()
    assert (document["latest_revision"], document["locked"]) == (1, False)
    assert document["revisions"][0]["sha256"] == hashlib.sha256(b"Dear reader").hexdigest()

    submitted = customer.submit(document["id"], note="formal, please")
    assert submitted.status_code == 201, submitted.content
    request_id = submitted.json()["id"]
    assert submitted.json()["status"] == "pending"  # as decided; the saga answers after commit

    # The documents context locked the document, and that opened the request.
    assert customer.document(document["id"])["locked_by_request"] == request_id
    assert customer.request(request_id)["status"] == "open"

    accepted = translator.act(request_id, "accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    source = translator.get(f"/api/documents/{document['id']}/revisions/1/file/")
    assert b"".join(source.streaming_content) == b"Dear reader"

    delivered = translator.deliver(request_id, content=b"Cher lecteur")
    assert delivered.status_code == 200, delivered.content
    assert delivered.json()["translated_sha256"] == hashlib.sha256(b"Cher lecteur").hexdigest()
    assert delivered.json()["source_sha256"] == hashlib.sha256(b"Dear reader").hexdigest()

    assert customer.document(document["id"])["locked"] is False
    translation = customer.get(f"/api/translation-requests/{request_id}/translation/")
    assert b"".join(translation.streaming_content) == b"Cher lecteur"
    history = customer.get(f"/api/documents/{document['id']}/history/").json()["results"]
    assert [e["event_type"] for e in history] == [
        "documents.DocumentUploaded",
        "translations.TranslationRequested",
        "documents.DocumentLocked",
        "translations.TranslationOpened",
        "translations.TranslationAccepted",
        "translations.TranslationDelivered",
        "documents.DocumentUnlocked",
    ]
    delivered_event = history[5]
    assert delivered_event["data"]["source_sha256"] == document["revisions"][0]["sha256"]


def test_cancel_unlocks_and_a_new_revision_can_be_submitted(embedded, users):
    customer = embedded(users.customer)
    document = customer.upload().json()
    first = customer.submit(document["id"]).json()

    locked_upload = customer.new_revision(document["id"])
    assert locked_upload.status_code == 409
    assert first["id"] in locked_upload.json()["detail"]  # names the request holding the lock

    cancelled = customer.act(first["id"], "cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert customer.document(document["id"])["locked"] is False

    revised = customer.new_revision(document["id"], content=b"Dear reader, again")
    assert revised.status_code == 201, revised.content
    assert revised.json()["latest_revision"] == 2
    second = customer.submit(document["id"], target_language="de").json()
    assert (second["revision"], customer.request(second["id"])["status"]) == (2, "open")

    again = customer.act(first["id"], "cancel")
    assert again.status_code == 409
    assert "cancelled" in again.json()["detail"]


def test_a_second_submission_while_locked_is_rejected_with_the_reason(embedded, users):
    customer = embedded(users.customer)
    document = customer.upload().json()
    holder = customer.submit(document["id"]).json()

    second = customer.submit(document["id"], target_language="es").json()

    rejected = customer.request(second["id"])
    assert rejected["status"] == "rejected"
    assert rejected["reason"] == f"the document is locked by translation request {holder['id']}"
    assert customer.request(holder["id"])["status"] == "open"


def test_the_history_shows_the_cross_context_chain_of_one_operation(embedded, users):
    customer = embedded(users.customer)
    document = customer.upload().json()
    submitted = customer.submit(document["id"])
    correlation = submitted["X-Correlation-ID"]

    history = customer.get(f"/api/documents/{document['id']}/history/").json()["results"]
    requested, locked, opened = history[1:]
    assert [e["event_type"] for e in (requested, locked, opened)] == [
        "translations.TranslationRequested",
        "documents.DocumentLocked",
        "translations.TranslationOpened",
    ]
    assert {e["metadata"]["correlation_id"] for e in (requested, locked, opened)} == {correlation}
    assert requested["metadata"]["causation_id"] == submitted["X-Request-ID"]
    assert locked["metadata"]["causation_id"] == requested["event_id"]
    assert opened["metadata"]["causation_id"] == locked["event_id"]
    assert requested["metadata"]["actor"] == f"user:{users.customer.pk}"
    assert locked["metadata"]["actor"] == "system:consumer:documents"
    assert opened["metadata"]["actor"] == "system:consumer:translations"
    assert history[0]["metadata"]["correlation_id"] != correlation  # another operation


def test_a_request_not_accepted_by_its_deadline_expires_and_unlocks(
    embedded, users, django_capture_on_commit_callbacks
):
    customer = embedded(users.customer)
    document = customer.upload().json()
    deadline = timezone.now() + timedelta(hours=1)
    request_id = customer.submit(document["id"], deadline=deadline.isoformat()).json()["id"]

    assert translation_requests_expire_overdue() == 0  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        expired = translation_requests_expire_overdue(now=deadline + timedelta(seconds=1))

    assert expired == 1
    request = customer.request(request_id)
    assert request["status"] == "expired"
    assert request["reason"].startswith("not accepted by its deadline")
    assert customer.document(document["id"])["locked"] is False
    (event,) = [e for e in read_stream(uuid.UUID(request_id)) if e.event_type.endswith("Expired")]
    assert event.metadata["actor"] == "system:deadline-expiry"

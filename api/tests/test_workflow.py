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


def test_upload_submit_open_accept_deliver_approve_unlocks_the_document(embedded, users):
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

    # Delivered for review: the document stays locked until the customer approves.
    assert (delivered.json()["status"], customer.document(document["id"])["locked"]) == (
        "delivered", True,
    )  # fmt: skip
    translation = customer.get(f"/api/translation-requests/{request_id}/translation/")
    assert b"".join(translation.streaming_content) == b"Cher lecteur"
    approved = customer.act(request_id, "approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "completed"
    assert customer.document(document["id"])["locked"] is False
    history = customer.get(f"/api/documents/{document['id']}/history/").json()["results"]
    assert [e["event_type"] for e in history] == [
        "documents.DocumentUploaded",
        "translations.TranslationRequested",
        "documents.DocumentLocked",
        "translations.TranslationOpened",
        "translations.TranslationAccepted",
        "translations.TranslationDelivered",
        "translations.DeliveryApproved",
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
    assert locked_upload.json()[
        "detail"
    ].startswith(  # names the request holding the lock
        f"the document is locked while the French translation of revision 1 (request "
        f"{first['id'][:8]}) is in progress"
    )

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


def test_several_languages_at_once_hold_the_lock_until_the_last_one_ends(embedded, users):
    customer, translator = embedded(users.customer), embedded(users.translator)
    document = customer.upload().json()

    submitted = customer.post(
        f"/api/documents/{document['id']}/translation-requests/",
        {"target_languages": ["fr", "de", "FR "], "note": "formal"}, format="json",
    )  # fmt: skip

    assert submitted.status_code == 201, submitted.content
    french, german = submitted.json()["requests"]
    assert [(r["target_language"], r["revision"]) for r in (french, german)] == [
        ("fr", 1), ("de", 1),
    ]  # fmt: skip
    assert {customer.request(r["id"])["status"] for r in (french, german)} == {"open"}
    locked = customer.document(document["id"])
    assert (locked["locked"], locked["locked_revision"]) == (True, 1)
    assert locked["locked_by_requests"] == [french["id"], german["id"]]
    # One submission, one operation: both requests carry its correlation id.
    requested = [read_stream(uuid.UUID(r["id"]))[0] for r in (french, german)]
    assert len({e.metadata["correlation_id"] for e in requested}) == 1

    italian = customer.submit(document["id"], target_language="it").json()
    french_again = customer.submit(document["id"], target_language="fr").json()
    assert customer.request(italian["id"])["status"] == "open"  # another language: allowed
    refused = customer.request(french_again["id"])
    assert (refused["status"], refused["reason"]) == (
        "rejected",
        f"the French translation of revision 1 (request {french['id'][:8]}) is already in progress",
    )

    new_revision = customer.new_revision(document["id"])
    assert new_revision.status_code == 409
    assert "the French translation of revision 1" in new_revision.json()["detail"]
    assert "the German translation of revision 1" in new_revision.json()["detail"]

    customer.act(french["id"], "cancel")
    translator.act(german["id"], "accept")
    translator.deliver(german["id"])
    customer.act(german["id"], "approve")
    assert customer.document(document["id"])["locked_by_requests"] == [italian["id"]]
    customer.act(italian["id"], "cancel")  # the last one ends: unlocked

    unlocked = customer.document(document["id"])
    assert (unlocked["locked"], unlocked["locked_revision"], unlocked["locked_by_requests"]) == (
        False, None, [],
    )  # fmt: skip
    assert customer.new_revision(document["id"]).status_code == 201
    old = customer.submit(document["id"], target_language="fr", revision=1).json()
    assert (
        customer.request(old["id"])["reason"]
        == "revision 1 is not the latest; the latest is revision 2"
    )


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ([], "Ensure this field has at least 1 elements."),
        (["fr", "xx"], "unknown language code 'xx'; use e.g. fr, de, pt-br"),
    ],
)
def test_a_submission_names_the_languages_to_fix(embedded, users, languages, message):
    customer = embedded(users.customer)
    document = customer.upload().json()

    response = customer.post(
        f"/api/documents/{document['id']}/translation-requests/",
        {"target_languages": languages}, format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert message in str(response.json()["target_languages"])
    assert (
        customer.get(f"/api/translation-requests/?document={document['id']}").json()["results"]
        == []
    )


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


def test_an_upload_records_its_count_and_a_request_carries_it_and_the_title(embedded, users):
    customer = embedded(users.customer)

    document = customer.upload(content=b"Four words in here").json()
    request = customer.submit(document["id"]).json()

    assert document["revisions"][0]["word_count"] == 4
    assert request["word_count"] == 4
    uploaded = read_stream(uuid.UUID(document["id"]))[0]
    assert (uploaded.schema_version, uploaded.data["word_count"]) == (2, 4)
    requested = read_stream(uuid.UUID(request["id"]))[0]
    assert requested.data["document_title"] == document["title"]

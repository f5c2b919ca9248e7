"""Delivery review (approve, or ask for changes and get a new delivery), translators who
decline or release a request, and deliveries approved when nobody answers: through the API on
the embedded bus."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from eventstore.aggregates import load_aggregate
from eventstore.context import operation
from eventstore.projections import rebuild_projection
from eventstore.store import NewEvent, append, read_stream
from translations import events
from translations.aggregate import TranslationRequest
from translations.models import RequestView
from translations.projections import REQUESTS
from translations.services import translation_requests_approve_unanswered

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(embedded, users):
    """An accepted French request on a document of the customer's."""
    customer, translator = embedded(users.customer), embedded(users.translator)
    document = customer.upload().json()["id"]
    request_id = customer.submit(document).json()["id"]
    assert translator.act(request_id, "accept").status_code == 200
    return customer, translator, document, request_id


def test_changes_requested_go_back_to_the_translator_and_every_delivery_is_kept(accepted):
    customer, translator, document, request_id = accepted
    translator.deliver(request_id, content=b"Cher lecteur")

    sent_back = customer.act(
        request_id, "request-changes", data={"comment": "Use 'vous', please."}, format="json"
    )

    assert sent_back.status_code == 200, sent_back.content
    assert (sent_back.json()["status"], sent_back.json()["review_comment"]) == (
        "changes_requested", "Use 'vous', please.",
    )  # fmt: skip
    assert customer.document(document)["locked"] is True  # still in progress
    again = translator.deliver(request_id, content=b"Cher lecteur, vous")
    assert again.json()["status"] == "delivered"
    deliveries = again.json()["deliveries"]
    assert [(d["number"], d["sha256"]) for d in deliveries] == [
        (1, hashlib.sha256(b"Cher lecteur").hexdigest()),
        (2, hashlib.sha256(b"Cher lecteur, vous").hexdigest()),
    ]
    first = customer.get(f"/api/translation-requests/{request_id}/deliveries/1/file/")
    latest = customer.get(f"/api/translation-requests/{request_id}/translation/")
    assert b"".join(first.streaming_content) == b"Cher lecteur"
    assert b"".join(latest.streaming_content) == b"Cher lecteur, vous"
    assert (
        customer.get(f"/api/translation-requests/{request_id}/deliveries/3/file/").status_code
        == 404
    )

    assert customer.act(request_id, "approve").json()["status"] == "completed"
    assert customer.document(document)["locked"] is False
    types = [e.event_type.split(".")[1] for e in read_stream(request_id)]
    assert types[-4:] == [
        "TranslationDelivered", "ChangesRequested", "TranslationDelivered", "DeliveryApproved",
    ]  # fmt: skip


def test_only_a_delivery_can_be_reviewed_and_only_by_its_customer(accepted, embedded, users):
    customer, translator, _, request_id = accepted

    early = customer.act(request_id, "approve")
    no_comment = customer.act(request_id, "request-changes", data={"comment": " "}, format="json")
    translator.deliver(request_id)
    by_translator = translator.act(request_id, "approve")
    by_other = embedded(users.other_customer).act(request_id, "approve")

    assert early.status_code == 409
    assert early.json()["detail"] == (
        "cannot approve a request that is accepted; only a request that is delivered can be"
    )
    assert no_comment.status_code == 400 and "comment" in no_comment.json()
    assert by_translator.status_code == 403
    assert by_other.status_code == 404
    assert customer.request(request_id)["status"] == "delivered"


def test_a_declined_request_stays_open_for_the_others_and_leaves_the_decliner(embedded, users):
    customer = embedded(users.customer)
    tina, tom = embedded(users.translator), embedded(users.other_translator)
    request_id = customer.submit(customer.upload().json()["id"]).json()["id"]

    declined = tina.act(request_id, "decline", data={"reason": "not my field"}, format="json")

    assert declined.status_code == 200, declined.content
    assert declined.json()["status"] == "open"
    queue = {r["id"] for r in tina.get("/api/translation-requests/").json()["results"]}
    assert request_id not in queue  # not offered to Tina again
    assert tina.act(request_id, "accept").status_code == 404
    assert tom.act(request_id, "accept").status_code == 200


def test_a_released_request_is_open_again_with_the_reason(accepted, embedded, users):
    customer, translator, document, request_id = accepted

    no_reason = translator.act(request_id, "release", data={"reason": ""}, format="json")
    by_other = embedded(users.other_translator).act(
        request_id, "release", data={"reason": "mine now"}, format="json"
    )
    released = translator.act(request_id, "release", data={"reason": "ill"}, format="json")

    assert no_reason.status_code == 400
    assert by_other.status_code == 404  # not theirs to see: it is accepted by Tina
    assert released.status_code == 200, released.content
    body = released.json()
    assert (body["status"], body["translator"], body["reason"]) == (
        "open", None, "released by the translator: ill",
    )  # fmt: skip
    assert customer.document(document)["locked"] is True  # still in progress
    assert embedded(users.other_translator).act(request_id, "accept").status_code == 200


def test_a_delivery_nobody_answers_is_approved_after_the_configured_days(accepted, settings):
    customer, translator, document, request_id = accepted
    settings.TRANSLATIONS_AUTO_APPROVE_DAYS = 7
    translator.deliver(request_id)

    assert translation_requests_approve_unanswered(now=timezone.now() + timedelta(days=6)) == 0
    with customer.settle():
        approved = translation_requests_approve_unanswered(
            now=timezone.now() + timedelta(days=7, minutes=1)
        )

    assert approved == 1
    assert customer.request(request_id)["status"] == "completed"
    assert customer.document(document)["locked"] is False
    last = read_stream(request_id)[-1]
    assert (last.event_type, last.data["automatically"]) == ("translations.DeliveryApproved", True)
    assert last.metadata["actor"] == "system:auto-approval"


def test_over_long_comments_and_reasons_are_a_400_naming_the_limit(accepted):
    customer, translator, _, request_id = accepted
    translator.deliver(request_id)

    long_comment = customer.act(
        request_id, "request-changes", data={"comment": "x" * 4001}, format="json"
    )

    assert long_comment.status_code == 400
    assert "4000" in str(long_comment.json())


def test_a_delivery_made_before_reviews_existed_completed_its_request(users):
    """Written as the old code wrote it: no delivery number; it was final then."""
    request_id = uuid.uuid4()
    requested = {
        "document_id": str(uuid.uuid4()), "revision": 1, "source_sha256": "a" * 64,
        "customer_id": users.customer.pk, "target_language": "fr", "word_count": None,
        "document_title": "Old",
    }  # fmt: skip
    delivered = {
        "translator_id": users.translator.pk, "source_sha256": "a" * 64,
        "translated_sha256": "b" * 64, "filename": "b.txt", "size": 1,
    }  # fmt: skip
    with operation(actor="system:test"):
        append(
            stream_type=events.STREAM_TYPE, stream_id=request_id, expected_version=0,
            events=[
                NewEvent(events.TRANSLATION_REQUESTED.name, requested),
                NewEvent(events.TRANSLATION_OPENED.name, {}),
                NewEvent(events.TRANSLATION_ACCEPTED.name, {"translator_id": users.translator.pk}),
                NewEvent(events.TRANSLATION_DELIVERED.name, delivered),
            ],
        )  # fmt: skip
    rebuild_projection(REQUESTS)

    assert load_aggregate(TranslationRequest, request_id).status == "completed"
    view = RequestView.objects.get(pk=request_id)
    assert (view.status, view.deliveries.get().number) == ("completed", 1)
    assert translation_requests_approve_unanswered(now=timezone.now() + timedelta(days=30)) == 0


def test_work_sent_back_for_changes_can_be_given_back_too(accepted):
    customer, translator, document, request_id = accepted
    translator.deliver(request_id)
    customer.act(request_id, "request-changes", data={"comment": "tone"}, format="json")

    released = translator.act(request_id, "release", data={"reason": "ill"}, format="json")

    assert released.status_code == 200, released.content
    assert released.json()["status"] == "open"
    assert customer.document(document)["locked"] is True  # still in progress, for another

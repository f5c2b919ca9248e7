"""Locks recorded before locks named their language: such a hold stands for the whole
document, as it did then."""

from __future__ import annotations

import uuid

import pytest

from documents import events
from documents.aggregate import Document
from eventstore.aggregates import load_aggregate
from eventstore.context import operation
from eventstore.store import NewEvent, append

pytestmark = pytest.mark.django_db


def test_a_hold_without_a_language_refuses_every_language(users):
    document_id, old_request = uuid.uuid4(), str(uuid.uuid4())
    revision = {
        "revision": 1, "filename": "a.txt", "sha256": "a" * 64, "size": 1,
        "content_type": "text/plain", "word_count": 1,
    }  # fmt: skip
    with operation(actor="system:test"):
        append(
            stream_type=events.STREAM_TYPE, stream_id=document_id, expected_version=0,
            events=[
                NewEvent(events.DOCUMENT_UPLOADED.name,
                         {"owner_id": users.customer.pk, "title": "A", **revision}),
                NewEvent(events.DOCUMENT_LOCKED.name, {"request_id": old_request, "revision": 1}),
            ],
        )  # fmt: skip
    document = load_aggregate(Document, document_id)

    (refused,) = document.lock(
        request_id=str(uuid.uuid4()), revision=1, customer_id=users.customer.pk, language="de"
    )

    assert refused.event_type == events.DOCUMENT_LOCK_REJECTED.name
    assert refused.data["reason"] == (
        f"the translation of revision 1 (request {old_request[:8]}) is already in progress"
    )

"""The staff event log (filters, keyset pages), the OpenAPI schema and docs, and read models
rebuilt from the store."""

from __future__ import annotations

import pytest

from documents.models import DocumentView, RevisionView
from eventstore.projections import rebuild_projections
from translations.models import RequestView

pytestmark = pytest.mark.django_db


def test_the_event_log_filters_and_pages_by_position(embedded, users):
    customer, staff = embedded(users.customer), embedded(users.staff)
    document = customer.upload().json()["id"]
    correlation = customer.submit(document)["X-Correlation-ID"]

    by_correlation = staff.get("/api/events/", {"correlation_id": correlation}).json()
    assert [e["event_type"] for e in by_correlation["results"]] == [
        "translations.TranslationRequested",
        "documents.DocumentLocked",
        "translations.TranslationOpened",
    ]
    by_type = staff.get("/api/events/", {"event_type": "documents.DocumentUploaded"}).json()
    assert [e["stream_id"] for e in by_type["results"]] == [document]
    by_actor = staff.get("/api/events/", {"actor": f"user:{users.customer.pk}"}).json()
    assert len(by_actor["results"]) == 2

    everything = [e["event_id"] for e in staff.get("/api/events/").json()["results"]]
    first = staff.get("/api/events/", {"page_size": 2}).json()
    second = staff.get(first["next"]).json()
    back = staff.get(second["previous"]).json()
    assert first["previous"] is None
    assert [e["event_id"] for e in first["results"] + second["results"]] == everything[:4]
    assert back["results"] == first["results"]
    bad = staff.get("/api/events/", {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()
    forged = staff.get("/api/events/", {"cursor": "cD1hYmM="})
    assert forged.status_code == 400 and "not a log position" in forged.json()["cursor"][0]


def test_schema_and_docs_are_served(embedded, users):
    api = embedded(users.customer)

    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/translation-requests/{request_id}/cancel/" in paths
    assert "/api/documents/{document_id}/history/" in paths
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_read_models_rebuilt_from_the_store_are_the_same(embedded, users):
    customer, translator = embedded(users.customer), embedded(users.translator)
    document = customer.upload().json()["id"]
    request = customer.submit(document).json()["id"]
    translator.act(request, "accept")
    customer.submit(document, target_language="de")  # rejected: locked

    def snapshot():
        return (
            list(DocumentView.objects.order_by("pk").values()),
            list(RevisionView.objects.order_by("document", "revision").values(
                "document", "revision", "sha256", "size", "content_type", "uploaded_at"
            )),
            list(RequestView.objects.order_by("pk").values()),
        )  # fmt: skip

    before = snapshot()
    counts = rebuild_projections(["documents.documents", "translations.requests"])

    assert counts == {"documents.documents": 3, "translations.requests": 5}  # events folded
    assert snapshot() == before


def test_a_client_cannot_stamp_its_events_into_another_users_operation(embedded, users):
    customer, other, staff = (
        embedded(u) for u in (users.customer, users.other_customer, users.staff)
    )
    document = customer.upload().json()["id"]
    theirs = customer.submit(document)["X-Correlation-ID"]

    upload = other.upload(headers={"X-Correlation-ID": theirs})

    operation = staff.get("/api/events/", {"correlation_id": theirs}).json()["results"]
    assert {e["metadata"]["actor"] for e in operation} <= {
        f"user:{users.customer.pk}",
        "system:consumer:documents",
        "system:consumer:translations",
    }
    assert upload["X-Correlation-ID"] != theirs
    kept = staff.get("/api/events/", {"correlation_id": upload["X-Correlation-ID"]}).json()
    assert kept["results"][0]["metadata"]["client_reference"] == theirs

"""A request carries its document's title (TranslationRequested version 3), so that the
translators' queue names the document without asking the documents context; requests
recorded before (version 2) are upcast on read with an empty title."""

from __future__ import annotations

import uuid

import pytest

from eventstore.context import operation
from eventstore.models import Event
from eventstore.projections import rebuild_projection
from eventstore.registry import EventType, registry
from eventstore.store import NewEvent, append, read_stream
from translations import events
from translations.models import RequestView
from translations.projections import REQUESTS
from translations.services import translation_requests_submit

pytestmark = pytest.mark.django_db


def version_two(current: EventType) -> EventType:
    """TranslationRequested as the code before document titles defined it."""
    schema = dict(current.schema)
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k != "document_title"}
    schema["required"] = [k for k in schema["required"] if k != "document_title"]
    return EventType(
        name=current.name,
        schema=schema,
        schema_version=2,
        upcasters={1: current.upcasters[1]},
    )


@pytest.fixture
def old_code(request):
    """The registry as the old code had it, until ``restore`` (or the test's end)."""
    current = events.TRANSLATION_REQUESTED

    def swap(event_type: EventType) -> None:
        registry.unregister(event_type.name)
        registry.register(event_type)

    swap(version_two(current))
    request.addfinalizer(lambda: swap(current))
    return lambda: swap(current)


def test_the_title_goes_with_the_request_into_its_event_and_the_queue_row(users):
    with operation(actor=f"user:{users.customer.pk}"):
        [request] = translation_requests_submit(
            document_id=uuid.uuid4(), revision=1, source_sha256="a" * 64,
            customer_id=users.customer.pk, target_languages=["fr"],
            document_title="Letter to the editor",
        )  # fmt: skip

    [requested] = read_stream(request.pk)
    assert (requested.schema_version, requested.data["document_title"]) == (
        3, "Letter to the editor",
    )  # fmt: skip
    assert request.document_title == "Letter to the editor"


def test_requests_written_before_titles_are_read_with_an_empty_title(old_code, users):
    request_id = uuid.uuid4()
    requested = {
        "document_id": str(uuid.uuid4()), "revision": 1, "source_sha256": "a" * 64,
        "customer_id": users.customer.pk, "target_language": "fr", "word_count": 12,
    }  # fmt: skip
    with operation(actor=f"user:{users.customer.pk}"):
        append(
            stream_type=events.STREAM_TYPE, stream_id=request_id, expected_version=0,
            events=[NewEvent(events.TRANSLATION_REQUESTED.name, requested)],
        )  # fmt: skip
    old_code()  # restored: the current code reads what the old one wrote

    [stored] = read_stream(request_id)
    rebuild_projection(REQUESTS)

    assert (stored.schema_version, stored.data["document_title"]) == (3, "")
    assert stored.data["word_count"] == 12
    row = RequestView.objects.get(pk=request_id)
    assert (row.document_title, row.word_count) == ("", 12)
    assert Event.objects.get(stream_id=request_id).schema_version == 2  # the row as written
    assert "document_title" not in Event.objects.get(stream_id=request_id).data


def test_version_one_requests_are_upcast_through_every_version():
    version, data = registry.upcast(
        events.TRANSLATION_REQUESTED.name, 1,
        {"document_id": str(uuid.uuid4()), "revision": 1, "source_sha256": "a" * 64,
         "customer_id": 1, "target_language": "fr"},
    )  # fmt: skip

    assert version == 3
    assert (data["word_count"], data["source_language"], data["document_title"]) == (None, None, "")

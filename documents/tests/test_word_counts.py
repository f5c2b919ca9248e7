"""Word counts: each text format by its reader, recorded with each revision and carried to
the requests; uploads recorded before word counts (schema version 1) are upcast on read."""

from __future__ import annotations

import io
import uuid

import pytest
from docx import Document as DocxDocument
from odfdo import Document as OdfDocument
from odfdo import Header, Paragraph

from documents import events
from documents.aggregate import Document
from documents.models import RevisionView
from documents.projections import DOCUMENTS
from documents.wordcount import count_words
from eventstore.aggregates import load_aggregate
from eventstore.context import operation
from eventstore.models import Event
from eventstore.projections import rebuild_projection
from eventstore.registry import EventType, registry
from eventstore.store import NewEvent, append, read_stream

XLIFF = b"""<?xml version="1.0"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>
<trans-unit id="1"><source>Hello <g id="b">brave</g> world</source>
<target>Bonjour</target></trans-unit>
<trans-unit id="2"><source>Don't stop</source></trans-unit>
</body></file></xliff>"""


def docx_bytes() -> bytes:
    document = DocxDocument()
    document.add_paragraph("One two three")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "four", "five six"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    document = OdfDocument("text")
    document.body.append(Header(1, "A title"))
    document.body.append(Paragraph("and four more words"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.txt", "Don\u2019t e-mail me 42 times \u2014 naïve café".encode(), 7),
        ("a.md", b"# Title\n\n* one *two*\n", 3),
        ("a.html", b"<p>Three <b>visible</b> words</p><script>var hidden = 1;</script>", 3),
        ("a.xliff", XLIFF, 5),  # the sources only
        ("a.docx", docx_bytes(), 6),
        ("a.odt", odt_bytes(), 6),
        ("a.pdf", b"%PDF-1.4 whatever", None),  # no reader
        ("a.docx", b"PK\x03\x04 not really a docx", None),  # unreadable: no count
        ("a.xliff", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', None),  # no entities
    ],
)
def test_each_format_is_counted_by_its_reader(name, content, expected):
    assert count_words(name, io.BytesIO(content)) == expected


def version_one(current: EventType) -> EventType:
    """The event type as the code before word counts (and documents' languages) defined it."""
    added = {"word_count", "language"}
    schema = dict(current.schema)
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in added}
    schema["required"] = [k for k in schema["required"] if k not in added]
    return EventType(name=current.name, schema=schema)


@pytest.fixture
def old_code(request):
    """The registry as the old code had it, until ``restore`` (or the test's end)."""
    current = [events.DOCUMENT_UPLOADED, events.REVISION_UPLOADED]

    def swap(types: list[EventType]) -> None:
        for event_type in types:
            registry.unregister(event_type.name)
            registry.register(event_type)

    swap([version_one(t) for t in current])
    request.addfinalizer(lambda: swap(current))
    return lambda: swap(current)


@pytest.mark.django_db
def test_uploads_written_before_word_counts_are_read_with_none(old_code, users):
    stream_id = uuid.uuid4()
    file = {"filename": "old.txt", "sha256": "a" * 64, "size": 3, "content_type": "text/plain"}
    uploaded = {"owner_id": users.customer.pk, "title": "Old", "revision": 1, **file}
    with operation(actor=f"user:{users.customer.pk}"):
        append(
            stream_type=events.STREAM_TYPE, stream_id=stream_id, expected_version=0,
            events=[
                NewEvent(events.DOCUMENT_UPLOADED.name, uploaded),
                NewEvent(events.REVISION_UPLOADED.name, {**file, "revision": 2}),
            ],
        )  # fmt: skip
    old_code()  # restored: the current code reads what the old one wrote

    stored = read_stream(stream_id)
    rebuild_projection(DOCUMENTS)

    assert [(e.schema_version, e.data["word_count"]) for e in stored] == [(2, None), (2, None)]
    assert stored[0].data["language"] is None
    assert load_aggregate(Document, stream_id).revisions[1].word_count is None
    assert list(RevisionView.objects.values_list("revision", "word_count")) == [
        (1, None), (2, None),
    ]  # fmt: skip
    rows = Event.objects.filter(stream_id=stream_id)
    assert {(row.schema_version, "word_count" in row.data) for row in rows} == {(1, False)}

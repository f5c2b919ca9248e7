"""Bad input gets a 4xx that says what to fix, and appends nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from blobstore.filetypes import sizes_in_words
from eventstore.models import Event

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00" + b"\x00" * 60
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.fixture
def customer(embedded, users):
    return embedded(users.customer)


def no_new_events(before: int) -> bool:
    return Event.objects.count() == before


@pytest.mark.parametrize(
    ("name", "content", "field", "message"),
    [
        ("big.txt", b"x" * 2049, "file", "big.txt is 2,049 bytes; the limit is 2,048 bytes"),
        ("empty.txt", b"", "file", "empty.txt is empty"),
        ("tool.exe", b"MZ", "file", "tool.exe: files of this type are not accepted"),
        # Judged by content as well as by name:
        (
            "tool.txt",
            EXE,
            "file",
            "tool.txt is not text: its content is application/x-msdownload (.exe)",
        ),
        (
            "page.txt",
            b"<!DOCTYPE html><p>hi<script>x()</script>",
            "file",
            "page.txt is HTML (text/html), not text/plain: upload it as .html",
        ),
        (
            "notes.md",
            b"# Hi <img src=x onerror=alert(1)>",
            "file",
            "notes.md is HTML (text/html), not text/markdown",
        ),
        ("data.txt", b"ab\x00cd", "file", "data.txt is not text: it holds binary data"),
        (
            "fake.pdf",
            b"just words",
            "file",
            "fake.pdf does not look like application/pdf: its content is unknown",
        ),
        (
            "image.pdf",
            PNG,
            "file",
            "image.pdf is named like application/pdf but its content is image/png (.png)",
        ),
        ("strings.xlf", b"plain words", "file", "strings.xlf is not XLIFF"),
    ],
)
def test_files_that_cannot_be_accepted(customer, settings, name, content, field, message):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 2048
    before = Event.objects.count()

    response = customer.upload(name=name, content=content)

    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)
    assert no_new_events(before)


def test_unknown_language_past_deadline_and_unknown_revision(customer):
    document = customer.upload().json()
    before = Event.objects.count()
    past = (timezone.now() - timedelta(hours=1)).isoformat()

    language = customer.submit(document["id"], target_language="klingon")
    deadline = customer.submit(document["id"], deadline=past)
    revision = customer.submit(document["id"], revision=7)

    assert language.status_code == deadline.status_code == revision.status_code == 400
    assert "unknown language code 'klingon'" in language.json()["target_language"][0]
    assert deadline.json()["deadline"] == ["the deadline must be in the future"]
    assert revision.json()["revision"] == ["revision 7 does not exist; the latest is 1"]
    assert no_new_events(before)


def test_malformed_json_and_missing_fields(customer):
    before = Event.objects.count()

    malformed = customer.post(
        "/api/translation-requests/", '{"document": ', content_type="application/json"
    )
    missing = customer.post("/api/translation-requests/", {}, format="json")
    no_file = customer.post("/api/documents/", {"title": "x"}, format="multipart")

    assert malformed.status_code == 400
    assert "JSON parse error" in malformed.json()["detail"]
    assert set(missing.json()) == {"document", "target_language"}
    assert no_file.json()["file"] == ["No file was submitted."]
    assert no_new_events(before)


def test_unknown_ids_are_404(customer):
    before = Event.objects.count()
    unknown = uuid.uuid4()

    assert customer.get(f"/api/documents/{unknown}/").status_code == 404
    assert customer.submit(unknown).status_code == 404
    assert customer.act(unknown, "cancel").status_code == 404
    assert customer.get("/api/documents/not-a-uuid/").status_code == 404
    assert no_new_events(before)


def test_every_api_error_is_json_and_names_nothing_internal(customer, caplog):
    unknown = customer.get(f"/api/documents/{uuid.uuid4()}/")
    no_route = customer.get("/api/no-such-thing/")
    too_big = customer.post(
        "/api/translation-requests/", '{"note": "' + "x" * 3_000_000 + '"}',
        content_type="application/json",
    )  # fmt: skip

    assert (unknown.status_code, unknown.json()) == (404, {"detail": "not found"})
    assert (no_route.status_code, no_route["Content-Type"]) == (404, "application/json")
    assert no_route.json() == {"detail": "not found"}
    assert too_big.status_code == 400
    assert too_big.json()["detail"].startswith("the request body is larger than the limit of")
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize("path", ["/api/documents/", "/api/translation-requests/"])
@pytest.mark.parametrize(
    "query",
    [
        "cursor=cD1hYmM=",  # base64 of "p=abc": a position that is not a time
        "cursor=%FF",  # not base64 text at all
        "page_size=null",
        "page_size=0",
        "page_size=501",
    ],
)
def test_forged_cursors_and_page_sizes_are_a_400_naming_the_parameter(customer, path, query):
    response = customer.get(f"{path}?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]


def test_an_idempotency_key_reused_for_another_body_is_a_422(customer):
    first = customer.upload(title="x", headers={"Idempotency-Key": "k-1"})
    same = customer.upload(title="x", headers={"Idempotency-Key": "k-1"})
    other = customer.upload(title="y", headers={"Idempotency-Key": "k-1"})
    other_file = customer.upload(title="x", content=b"else", headers={"Idempotency-Key": "k-1"})

    assert (first.status_code, same.status_code) == (201, 201)
    assert same["Idempotent-Replayed"] == "true"
    for refused in (other, other_file):
        assert refused.status_code == 422
        assert "already used with a different request body" in refused.json()["detail"]


def test_files_of_the_right_kinds_are_accepted_with_their_type(customer):
    pdf = customer.upload(name="a.pdf", content=b"%PDF-1.7\n1 0 obj")
    xliff = customer.upload(name="s.xlf", content=b'<?xml version="1.0"?><xliff version="2.0"/>')
    html = customer.upload(name="page.html", content=b"<!doctype html><p>Hello</p>")

    assert [r.status_code for r in (pdf, xliff, html)] == [201, 201, 201]
    assert pdf.json()["revisions"][0]["content_type"] == "application/pdf"


def test_deliveries_are_checked_like_uploads_and_downloads_are_inert(embedded, users, customer):
    translator = embedded(users.translator)
    document = customer.upload().json()["id"]
    request_id = customer.submit(document).json()["id"]
    translator.act(request_id, "accept")

    exe = translator.deliver(request_id, content=EXE)  # named lettre.txt
    file = SimpleUploadedFile("translated.exe", b"MZ")
    named_exe = translator.act(request_id, "deliver", data={"file": file}, format="multipart")

    assert exe.status_code == 400
    assert exe.json()["file"][0] == (
        "lettre.txt is not text: its content is application/x-msdownload (.exe)"
    )
    assert named_exe.status_code == 400
    assert "translated.exe: files of this type are not accepted" in named_exe.json()["file"][0]
    assert translator.deliver(request_id).status_code == 200
    download = customer.get(f"/api/translation-requests/{request_id}/translation/")
    source = customer.get(f"/api/documents/{document}/revisions/1/file/")
    for response in (download, source):
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "text/plain"


def test_an_oversize_upload_is_refused_from_its_length_before_the_body_is_read(client, users):
    from django.test import RequestFactory

    from project.middleware import UploadSizeLimitMiddleware

    class Unread:
        def read(self, *args):
            raise AssertionError("the body was read")

    limit = 20 * 1024 * 1024
    middleware = UploadSizeLimitMiddleware(lambda request: pytest.fail("passed on"))
    for path, kind in (
        ("/api/documents/", "application/json"),
        ("/documents/upload/", "text/html"),
    ):
        request = RequestFactory().post(path, content_type="multipart/form-data; boundary=x")
        request.META["CONTENT_LENGTH"] = str(limit + 2 * 1024 * 1024)
        request._stream = Unread()
        request.user = users.customer

        response = middleware(request)

        assert response.status_code == 400
        assert response["Content-Type"].startswith(kind)
        assert b"the upload is 22.0 MB; files may be 20.0 MB at most" in response.content


@pytest.mark.parametrize(
    ("size", "limit", "words"),
    [
        (22_020_096, 20_971_520, ("21.0 MB", "20.0 MB")),
        (2049, 2048, ("2,049 bytes", "2,048 bytes")),  # "2.0 KB" both: told in bytes
        (4, 3, ("4 bytes", "3 bytes")),
    ],
)
def test_sizes_are_told_in_words_people_read(size, limit, words):
    assert sizes_in_words(size, limit) == words

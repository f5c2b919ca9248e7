"""The customer's pages work without JavaScript, through the same services as the API."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import DocumentView
from documents.services import document_upload
from eventstore.context import operation
from eventstore.store import read_stream
from translations.models import RequestView
from translations.services import translation_request_accept, translation_request_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client(client, users, relay_on_commit, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users.customer)
    return client


def post(client, capture, url, data):
    with capture(execute=True):
        return client.post(url, data)


def test_the_workflow_through_the_pages(customer_client, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    empty = customer_client.get("/")
    assert b"No documents yet" in empty.content

    letter = SimpleUploadedFile("letter.txt", b"Dear")
    uploaded = post(customer_client, capture, "/documents/upload/", {"title": "L", "file": letter})
    document = DocumentView.objects.get()
    assert uploaded.status_code == 302 and uploaded["Location"] == f"/documents/{document.pk}/"

    submitted = post(customer_client, capture, f"/documents/{document.pk}/submit/",
                     {"target_languages": "fr", "note": "formal"})  # fmt: skip
    assert submitted.status_code == 302
    request = RequestView.objects.get()
    page = customer_client.get(f"/documents/{document.pk}/")
    assert request.status == "open"
    assert b'<span class="badge locked">locked</span>' in page.content
    assert b"while the French translation of revision 1 is in progress" in page.content
    assert f'data-request="{request.pk}">open<'.encode() in page.content

    refused = post(customer_client, capture, f"/documents/{document.pk}/revisions/",
                   {"file": SimpleUploadedFile("letter.txt", b"v2")})  # fmt: skip
    assert refused.status_code == 409
    assert (
        f"the French translation of revision 1 (request {str(request.pk)[:8]}) is in progress"
    ).encode() in refused.content

    post(customer_client, capture, f"/requests/{request.pk}/cancel/", {})
    status = customer_client.get(f"/documents/{document.pk}/status/")
    assert b'<span class="badge unlocked">' in status.content
    assert b">cancelled<" in status.content

    history = customer_client.get(f"/documents/{document.pk}/history/")
    assert history.status_code == 200
    # A story: one chapter per operation, newest first, each told in order, in plain words.
    assert chapters(history) == [
        ["carla cancelled the French translation of revision 1",
         "The document was unlocked: the French translation of revision 1 was cancelled"],
        ["carla asked for the French translation of revision 1",
         "The document was locked while the French translation of revision 1 is in progress",
         "The French translation of revision 1 was offered to translators"],
        ["carla uploaded letter.txt as revision 1"],
    ]  # fmt: skip
    oldest = customer_client.get(f"/documents/{document.pk}/history/", {"order": "oldest"})
    assert chapters(oldest) == chapters(history)[::-1]
    # The event names and ids are there for the curious, in the details.
    assert b"<code>translations.TranslationCancelled</code>" in history.content
    assert f"by <code>user:{request.customer_id}</code>".encode() in history.content


def chapters(page) -> list[list[str]]:
    """The history's chapters, each as its sentences."""
    sentence = re.compile(r'<li class="(?:documents|translations)">(.*?)</li>', re.S)
    return [
        [re.sub(r"\s+", " ", line).strip() for line in sentence.findall(chapter)]
        for chapter in page.content.decode().split('<li class="chapter">')[1:]
    ]


def test_form_errors_are_shown_and_nothing_happens(customer_client, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 3
    too_big = customer_client.post(
        "/documents/upload/", {"file": SimpleUploadedFile("a.txt", b"abcd")}
    )
    assert too_big.status_code == 400
    assert b"a.txt is 4 bytes; the limit is 3 bytes" in too_big.content  # same when rounded
    assert not DocumentView.objects.exists()


def test_the_operation_page_nests_events_under_their_cause(
    customer_client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    post(customer_client, capture, "/documents/upload/",
         {"file": SimpleUploadedFile("letter.txt", b"Dear")})  # fmt: skip
    document = DocumentView.objects.get()
    post(customer_client, capture, f"/documents/{document.pk}/submit/", {"target_languages": "de"})
    request = RequestView.objects.get()
    correlation = read_stream(request.pk)[0].metadata["correlation_id"]

    page = customer_client.get(f"/operations/{correlation}/").content.decode()

    requested = page.index("carla asked for the German translation of revision 1")
    locked = page.index("locked while the German translation of revision 1 is in progress")
    opened = page.index("The German translation of revision 1 was offered to translators")
    assert requested < locked < opened
    assert page.count("<ul>") >= 2  # the lock nested under the request, the opening under it


def test_another_customers_pages_do_not_exist(client, users, relay_on_commit, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    with operation(actor=f"user:{users.other_customer.pk}"):
        theirs = document_upload(owner_id=users.other_customer.pk, title="Theirs",
                                 file=SimpleUploadedFile("t.txt", b"t"))  # fmt: skip
    client.force_login(users.customer)

    for url in (f"/documents/{theirs.pk}/", f"/documents/{theirs.pk}/history/",
                f"/documents/{theirs.pk}/status/"):  # fmt: skip
        assert client.get(url).status_code == 404
    assert (
        client.post(f"/documents/{theirs.pk}/submit/", {"target_languages": "fr"}).status_code
        == 404
    )


def test_verify_this_history_shows_the_checkpoint_and_the_result(
    customer_client, users, django_capture_on_commit_callbacks
):
    from django.test import Client

    from eventstore.models import Event
    from eventstore.sealing import seal

    capture = django_capture_on_commit_callbacks
    letter = SimpleUploadedFile("letter.txt", b"Dear")
    post(customer_client, capture, "/documents/upload/", {"title": "L", "file": letter})
    document = DocumentView.objects.get()
    url = f"/documents/{document.pk}/history/verify/"
    assert (
        f'action="{url}"'.encode()
        in customer_client.get(f"/documents/{document.pk}/history/").content
    )
    pending = customer_client.get(url)
    assert (
        pending.status_code == 503
        and b"no checkpoint has been sealed yet" in pending.content.lower()
    )
    with capture(execute=True):
        checkpoint = seal()

    page = customer_client.get(url)
    bundle = customer_client.get(f"/documents/{document.pk}/history/audit.json")

    assert page.status_code == 200
    assert b"<strong>Verified.</strong> The 1 event of this history is intact" in page.content
    assert f"{checkpoint.tree_size} events, sealed".encode() in page.content
    assert checkpoint.key_id.encode() in page.content
    assert bundle["Content-Disposition"] == f'attachment; filename="audit-{document.pk}.json"'
    uploaded = Event.objects.get(stream_id=document.pk)
    assert [e["position"] for e in bundle.json()["events"]] == [uploaded.position]
    bad = customer_client.get(f"/documents/{document.pk}/history/audit.json", {"since": "x"})
    assert bad.status_code == 400 and "since" in bad.json()
    other = Client()
    other.force_login(users.other_customer)
    assert other.get(url).status_code == 404
    assert other.get(f"/documents/{document.pk}/history/audit.json").status_code == 404


def test_a_delivery_is_reviewed_on_the_document_page(
    customer_client, users, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    post(customer_client, capture, "/documents/upload/",
         {"file": SimpleUploadedFile("letter.txt", b"Dear")})  # fmt: skip
    document = DocumentView.objects.get()
    post(customer_client, capture, f"/documents/{document.pk}/submit/",
         {"target_languages": ["fr", "de"]})  # fmt: skip
    french = RequestView.objects.get(target_language="fr")
    with capture(execute=True), operation(actor=f"user:{users.translator.pk}"):
        translation_request_accept(request_id=french.pk, translator_id=users.translator.pk)
        translation_request_deliver(
            request_id=french.pk, translator_id=users.translator.pk,
            file=SimpleUploadedFile("lettre.txt", b"Cher"),
        )  # fmt: skip

    page = customer_client.get(f"/documents/{document.pk}/")
    assert b"while the French and German translations of revision 1 are in progress" in (
        page.content
    )
    assert f'action="/requests/{french.pk}/approve/"'.encode() in page.content
    sent_back = post(customer_client, capture, f"/requests/{french.pk}/request-changes/",
                     {"comment": "More formal, please."})  # fmt: skip
    assert sent_back.status_code == 302
    page = customer_client.get(f"/documents/{document.pk}/")
    assert b"Changes asked for: More formal, please." in page.content
    assert b">changes requested<" in page.content

    with capture(execute=True), operation(actor=f"user:{users.translator.pk}"):
        translation_request_deliver(
            request_id=french.pk, translator_id=users.translator.pk,
            file=SimpleUploadedFile("lettre.txt", b"Cher Monsieur"),
        )  # fmt: skip
    page = customer_client.get(f"/documents/{document.pk}/")
    assert b"All 2 deliveries" in page.content
    assert b"<th>Words</th>" in page.content and french.word_count == 1  # "Dear"
    post(customer_client, capture, f"/requests/{french.pk}/approve/", {})
    french.refresh_from_db()
    assert french.status == "completed"
    assert DocumentView.objects.get().locked_by_requests == [
        RequestView.objects.get(target_language="de").pk
    ]


@pytest.mark.postgres
@pytest.mark.usefixtures("committed_db")
def test_a_refused_submission_is_said_as_one(customer_client):
    """Committed for real: the documents context answers right after the commit, before the
    page redirects, as in the embedded mode's server."""
    customer_client.post("/documents/upload/", {"file": SimpleUploadedFile("a.txt", b"Dear")})
    document = DocumentView.objects.get()
    url = f"/documents/{document.pk}/submit/"
    customer_client.post(url, {"target_languages": ["fr"]}, follow=True)

    again = customer_client.post(url, {"target_languages": ["fr", "de"]}, follow=True)

    messages = [(m.tags, m.message) for m in again.context["messages"]]
    french = RequestView.objects.filter(target_language="fr").earliest("created_at")
    assert messages == [
        ("error", "The French request was refused: the French translation of revision 1 "
                  f"(request {str(french.pk)[:8]}) is already in progress."),
        ("success", "Submitted revision 1 for translation into German."),
    ]  # fmt: skip


def test_the_live_part_answers_204_while_unchanged_and_286_once_nothing_can_change(
    customer_client, users, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    post(customer_client, capture, "/documents/upload/",
         {"file": SimpleUploadedFile("letter.txt", b"Dear")})  # fmt: skip
    document = DocumentView.objects.get()
    post(customer_client, capture, f"/documents/{document.pk}/submit/", {"target_languages": "fr"})
    url = f"/documents/{document.pk}/status/"
    first = customer_client.get(url)
    seen = first.content.decode().split("?seen=", 1)[1].split('"', 1)[0]

    unchanged = customer_client.get(url, {"seen": seen})
    post(customer_client, capture, f"/requests/{RequestView.objects.get().pk}/cancel/", {})
    ended = customer_client.get(url, {"seen": seen})

    assert (first.status_code, unchanged.status_code) == (200, 204)
    assert b'hx-trigger="every 2s"' in first.content
    assert ended.status_code == 286  # htmx stops polling
    assert b"hx-trigger" not in ended.content
    assert b"French translation of revision 1: cancelled." in ended.content


def test_error_pages_offer_a_way_back_and_the_site_has_an_icon(client, users):
    client.force_login(users.customer)

    missing = client.get("/documents/00000000-0000-0000-0000-000000000000/")
    page = client.get("/")
    icon = client.get("/favicon.ico")

    assert missing.status_code == 404
    assert b"<h1>Not found</h1>" in missing.content and b"Back to your documents" in missing.content
    assert b'rel="icon"' in page.content
    assert icon.status_code == 301 and icon["Location"].endswith("favicon.svg")


def test_an_upload_says_so_on_the_page_it_leads_to_with_and_without_the_script(
    customer_client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    script = {"headers": {"X-Requested-With": "XMLHttpRequest"}}

    # given: a form post (no JavaScript) and one by the upload script
    plain = post(customer_client, capture, "/documents/upload/",
                 {"file": SimpleUploadedFile("plain.txt", b"Plain")})  # fmt: skip
    assert plain.status_code == 302
    assert b"Uploaded plain.txt." in customer_client.get(plain["Location"]).content
    with capture(execute=True):
        scripted = customer_client.post(
            "/documents/upload/", {"file": SimpleUploadedFile("xhr.txt", b"Sent")}, **script
        )

    # then: the script is told where to go, and the message waits for that page
    document = DocumentView.objects.get(title="xhr.txt")
    assert scripted.status_code == 201
    assert scripted["Location"] == f"/documents/{document.pk}/"
    assert b"Uploaded xhr.txt." in customer_client.get(scripted["Location"]).content

    with capture(execute=True):
        revision = customer_client.post(
            f"/documents/{document.pk}/revisions/",
            {"file": SimpleUploadedFile("xhr-2.txt", b"Sent again")}, **script,
        )  # fmt: skip
    assert (revision.status_code, revision["Location"]) == (201, f"/documents/{document.pk}/")
    assert b"Uploaded a new revision." in customer_client.get(revision["Location"]).content


def test_a_refused_upload_by_the_script_gets_the_form_with_its_errors(customer_client, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 3

    refused = customer_client.post(
        "/documents/upload/", {"file": SimpleUploadedFile("a.txt", b"abcd")},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )  # fmt: skip

    assert refused.status_code == 400
    assert b"a.txt is 4 bytes; the limit is 3 bytes" in refused.content
    assert b"data-upload" in refused.content

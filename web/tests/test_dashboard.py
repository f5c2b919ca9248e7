"""The dashboard: search, filters, sorts and keyset pages, on SQLite and on PostgreSQL (these
tests run in both suites); and times read and shown in the viewer's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api import composition
from documents.services import document_upload
from eventstore.context import operation
from translations.models import RequestView
from translations.services import translation_request_cancel
from web import dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(client, users, relay_on_commit, tmp_path, settings, django_capture_on_commit_callbacks):
    """Five documents of carla's, touched in this order (the last is the newest):

    - Annual report: French open, due in 3 days; German open, no deadline
    - Letter to the editor: Spanish cancelled
    - Menu: nothing requested
    - Press release: French open, due tomorrow
    - Annual accounts: German open, no deadline
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users.customer)
    now = timezone.now()
    made = {}

    def document(title: str, *requests: tuple[str, datetime | None]):
        with django_capture_on_commit_callbacks(execute=True):
            with operation(actor=f"user:{users.customer.pk}"):
                found = document_upload(
                    owner_id=users.customer.pk, title=title,
                    file=SimpleUploadedFile(f"{title}.txt", b"one two three"),
                )  # fmt: skip
            for language, deadline in requests:
                with operation(actor=f"user:{users.customer.pk}"):
                    composition.translation_requests(
                        user=users.customer, document_id=found.pk,
                        target_languages=[language], deadline=deadline,
                    )  # fmt: skip
        made[title] = found
        return found

    document("Annual report", ("fr", now + timedelta(days=3)), ("de", None))
    letter = document("Letter to the editor", ("es", None))
    with (
        django_capture_on_commit_callbacks(execute=True),
        operation(actor=f"user:{users.customer.pk}"),
    ):
        translation_request_cancel(request_id=RequestView.objects.get(document_id=letter.pk).pk)
    document("Menu")
    document("Press release", ("fr", now + timedelta(days=1)))
    document("Annual accounts", ("de", None))
    return made


def titles(response) -> list[str]:
    return re.findall(
        r'<h2><a href="/documents/[^"]+/">([^<]+)</a></h2>', response.content.decode()
    )


def test_documents_newest_activity_first(client, library):
    page = client.get("/")
    assert titles(page) == [
        "Annual accounts", "Press release", "Menu", "Letter to the editor", "Annual report"
    ]  # fmt: skip
    assert b"5 documents" in page.content


def test_activity_on_a_request_moves_its_document_up(
    client, library, users, django_capture_on_commit_callbacks
):
    report = RequestView.objects.get(document_id=library["Annual report"].pk, target_language="de")
    with (
        django_capture_on_commit_callbacks(execute=True),
        operation(actor=f"user:{users.customer.pk}"),
    ):
        translation_request_cancel(request_id=report.pk)
    assert titles(client.get("/"))[0] == "Annual report"


def test_search_by_title(client, library):
    found = client.get("/", {"q": "annual"})
    assert titles(found) == ["Annual accounts", "Annual report"]
    assert b"2 documents match" in found.content
    nothing = client.get("/", {"q": "invoice"})
    assert titles(nothing) == [] and b"No document matches" in nothing.content


def test_filters_by_status_and_language(client, library):
    assert titles(client.get("/", {"status": "open", "language": "fr"})) == [
        "Press release", "Annual report"
    ]  # fmt: skip
    assert titles(client.get("/", {"status": "cancelled"})) == ["Letter to the editor"]
    assert titles(client.get("/", {"language": "de"})) == ["Annual accounts", "Annual report"]


def test_sort_by_deadline_puts_the_nearest_first_and_none_last(client, library):
    ordered = titles(client.get("/", {"sort": "deadline"}))
    assert ordered[:2] == ["Press release", "Annual report"]
    # No deadline ahead: after every real one, on SQLite as on PostgreSQL.
    assert sorted(ordered[2:]) == ["Annual accounts", "Letter to the editor", "Menu"]


@pytest.mark.parametrize("sort", ["updated", "deadline"])
def test_keyset_pages_show_every_document_once(client, library, monkeypatch, sort):
    everything = titles(client.get("/", {"sort": sort}))
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)
    seen, query = [], f"?sort={sort}"
    for _ in range(5):
        page = client.get("/" + query)
        seen += titles(page)
        following = re.search(r'href="\?([^"]+)">More documents', page.content.decode())
        if not following:
            break
        query = "?" + following.group(1).replace("&amp;", "&")
        assert f"sort={sort}" in query  # the next page keeps the sort
    assert seen == everything


def test_each_document_shows_its_languages_with_status_deadline_and_words(client, library):
    page = client.get("/", {"q": "Annual report"}).content.decode()
    assert re.search(r"French</span>\s*<span class=\"badge open\">open</span>\s*"
                     r"<span class=\"muted\">due <time", page)  # fmt: skip
    assert re.search(r"German</span>\s*<span class=\"badge open\">open</span>\s*"
                     r"<span class=\"muted\">3 words", page)  # fmt: skip
    assert "next deadline" in page


def test_a_filter_that_cannot_be_is_a_clear_400(client, library):
    page = client.get("/", {"status": "lost", "sort": "title"})
    assert page.status_code == 400
    assert page.content.decode().count("Select a valid choice") == 2
    assert len(titles(page)) == 5  # and the list as it is without them


def test_times_are_shown_and_read_in_the_viewers_time_zone(client, library, users):
    client.cookies["tz"] = "America/New_York"
    page = client.get("/", {"q": "Press release"}).content.decode()
    assert " EST</time>" in page
    document = library["Menu"]
    form = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Deadline (America/New_York time)" in form

    client.post(f"/documents/{document.pk}/submit/",
                {"target_languages": "fr", "deadline": "2031-01-15T17:00"})  # fmt: skip
    request = RequestView.objects.get(document_id=document.pk)
    assert request.deadline == datetime(2031, 1, 15, 22, 0, tzinfo=UTC)  # 17:00 in New York


def test_a_time_zone_cookie_that_is_no_zone_means_utc(client, library):
    for junk in ("Mars/Olympus", "../../etc/passwd", "x" * 100):
        client.cookies["tz"] = junk
        page = client.get("/", {"q": "Press release"})
        assert page.status_code == 200 and " UTC</time>" in page.content.decode()

"""Translators work in the admin: their queue, accept, deliver, through the services."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from eventstore.context import operation
from translations.models import RequestView
from translations.services import (
    translation_request_accept,
    translation_request_cancel,
    translation_request_open,
    translation_requests_submit,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/translations/requestview/"


@pytest.fixture
def open_request(users, tmp_path, settings):
    """A request the documents context has answered (its reply stood for by the service)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with operation(actor=f"user:{users.customer.pk}"):
        [request] = translation_requests_submit(
            document_id=uuid.uuid4(), revision=1, source_sha256="a" * 64,
            customer_id=users.customer.pk, target_languages=["fr"],
        )  # fmt: skip
    with operation(actor="system:consumer:translations"):
        translation_request_open(request_id=request.pk)
    request.refresh_from_db()
    assert request.status == "open"
    return request


def test_a_translator_accepts_from_the_queue_and_delivers(
    client, users, open_request, django_capture_on_commit_callbacks
):
    client.force_login(users.translator)
    queue = client.get(CHANGELIST, {"target_language": "fr"})
    assert queue.status_code == 200
    assert f"{CHANGELIST}{open_request.pk}/change/".encode() in queue.content

    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            CHANGELIST,
            {"action": "accept_selected", "_selected_action": [str(open_request.pk)]},
            follow=True,
        )
    assert b"Accepted" in accepted.content
    open_request.refresh_from_db()
    assert (open_request.status, open_request.translator_id) == ("accepted", users.translator.pk)
    mine = client.get(CHANGELIST, {"mine": "accepted"})
    assert b"Deliver" in mine.content

    deliver_url = f"{CHANGELIST}{open_request.pk}/deliver/"
    empty = client.post(deliver_url, {"file": SimpleUploadedFile("b.txt", b"")})
    assert empty.status_code == 400 and b"b.txt is empty" in empty.content
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(deliver_url, {"file": SimpleUploadedFile("b.txt", b"Cher")})
    assert done.status_code == 302
    open_request.refresh_from_db()
    assert open_request.status == "delivered"


def test_another_translator_cannot_deliver_and_customers_have_no_queue(
    client, users, open_request, django_capture_on_commit_callbacks
):
    client.force_login(users.translator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            CHANGELIST, {"action": "accept_selected", "_selected_action": [str(open_request.pk)]}
        )
    client.force_login(users.other_translator)
    assert client.get(f"{CHANGELIST}{open_request.pk}/deliver/").status_code == 404
    row_link = f"{CHANGELIST}{open_request.pk}/change/".encode()
    assert row_link not in client.get(CHANGELIST).content
    client.force_login(users.customer)
    assert client.get(CHANGELIST).status_code == 302  # not staff: to the admin's login
    assert RequestView.objects.get().status == "accepted"


def test_a_translator_declines_from_the_queue_and_it_leaves_their_queue_only(
    client, users, open_request
):
    client.force_login(users.translator)
    row_link = f"{CHANGELIST}{open_request.pk}/change/".encode()

    declined = client.post(
        CHANGELIST,
        {"action": "decline_selected", "_selected_action": [str(open_request.pk)]},
        follow=True,
    )

    assert b"Declined" in declined.content
    assert row_link not in client.get(CHANGELIST).content
    client.force_login(users.other_translator)
    assert row_link in client.get(CHANGELIST).content
    assert RequestView.objects.get().status == "open"


def test_a_translator_gives_accepted_work_back_with_a_reason(client, users, open_request):
    client.force_login(users.translator)
    client.post(
        CHANGELIST, {"action": "accept_selected", "_selected_action": [str(open_request.pk)]}
    )
    release_url = f"{CHANGELIST}{open_request.pk}/release/"
    assert b"Give back" in client.get(CHANGELIST, {"mine": "accepted"}).content

    no_reason = client.post(release_url, {"reason": ""})
    released = client.post(release_url, {"reason": "on leave next week"})

    assert no_reason.status_code == 400
    assert released.status_code == 302
    open_request.refresh_from_db()
    assert (open_request.status, open_request.translator_id, open_request.reason) == (
        "open", None, "released by the translator: on leave next week",
    )  # fmt: skip
    client.force_login(users.other_translator)
    assert client.get(release_url).status_code == 403  # open: not theirs to give back


def a_request(users, *, days: float | None = None, title: str = "", words: int | None = None):
    """An open request, due in ``days`` (or without a deadline)."""
    deadline = timezone.now() + timedelta(days=days) if days is not None else None
    with operation(actor=f"user:{users.customer.pk}"):
        [request] = translation_requests_submit(
            document_id=uuid.uuid4(), revision=1, source_sha256="a" * 64,
            customer_id=users.customer.pk, target_languages=["fr"], deadline=deadline,
            document_title=title, word_count=words,
        )  # fmt: skip
    with operation(actor="system:consumer:translations"):
        translation_request_open(request_id=request.pk)
    return request


def test_the_queue_shows_open_requests_first_then_by_deadline_with_none_last(client, users):
    # given: requests in every kind of state, created in an order unlike the queue's
    later = a_request(users, days=5)
    undated = a_request(users)
    soon = a_request(users, days=1)
    mine_undated = a_request(users)
    mine_soon = a_request(users, days=2)
    cancelled = a_request(users, days=0.5)
    with operation(actor=f"user:{users.translator.pk}"):
        for request in (mine_undated, mine_soon):
            translation_request_accept(request_id=request.pk, translator_id=users.translator.pk)
    with operation(actor=f"user:{users.customer.pk}"):
        translation_request_cancel(request_id=cancelled.pk)

    def queue(user) -> list:
        client.force_login(user)
        return [row.pk for row in client.get(CHANGELIST).context["cl"].result_list]

    # then: what the translator can act on first, nearest deadline first, none last
    assert queue(users.translator) == [
        soon.pk, later.pk, undated.pk, mine_soon.pk, mine_undated.pk,
    ]  # fmt: skip
    assert queue(users.staff) == [
        soon.pk, later.pk, undated.pk, mine_soon.pk, mine_undated.pk, cancelled.pk,
    ]  # fmt: skip


def test_the_queue_names_each_document_and_its_size(client, users):
    titled = a_request(users, title="Letter to the editor", words=1234)
    untitled = a_request(users)  # as requests made before titles were carried

    client.force_login(users.translator)
    page = client.get(CHANGELIST).content.decode()

    assert "Letter to the editor" in page and "1,234 words" in page
    assert f"document {str(untitled.document_id)[:8]}" in page
    assert "words not counted" in page
    assert f'href="{CHANGELIST}{titled.pk}/change/"' in page  # the title opens the request


def test_a_translator_accepts_one_request_with_its_own_button(client, users, open_request):
    accept_url = f"{CHANGELIST}{open_request.pk}/accept/"
    client.force_login(users.translator)
    queue = client.get(CHANGELIST, {"target_language": "fr"}).content.decode()
    assert f'formaction="{accept_url}"' in queue

    assert client.get(accept_url).status_code == 405  # a change: POST only
    back = client.post(accept_url, HTTP_REFERER=f"http://testserver{CHANGELIST}?target_language=fr")
    after = client.get(CHANGELIST, {"target_language": "fr"}).content.decode()

    assert back.status_code == 302 and back.url.endswith(f"{CHANGELIST}?target_language=fr")
    open_request.refresh_from_db()
    assert (open_request.status, open_request.translator_id) == ("accepted", users.translator.pk)
    assert f'formaction="{accept_url}"' not in after
    assert f'href="{CHANGELIST}{open_request.pk}/deliver/"' in after
    client.force_login(users.staff)  # staff see the queue, but do not translate
    assert f'formaction="{accept_url}"' not in client.get(CHANGELIST).content.decode()
    assert client.post(accept_url).status_code == 403


def test_the_history_of_a_request_lists_its_events_from_the_event_store(
    client, users, open_request
):
    with operation(actor=f"user:{users.translator.pk}"):
        translation_request_accept(request_id=open_request.pk, translator_id=users.translator.pk)

    client.force_login(users.translator)
    page = client.get(f"{CHANGELIST}{open_request.pk}/history/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "have a change history" not in html
    whats = [entry.what for entry in page.context["entries"]]
    assert whats == ["Translation requested", "Translation opened", "Translation accepted"]
    assert [entry.who for entry in page.context["entries"]] == [
        f"carla (user:{users.customer.pk})", "system:consumer:translations",
        f"tina (user:{users.translator.pk})",
    ]  # fmt: skip
    assert f"translator id: tina (user:{users.translator.pk})" in html
    assert " UTC</th>" in html  # times with their zone
    client.force_login(users.other_translator)  # not offered to them any more: not theirs
    assert client.get(f"{CHANGELIST}{open_request.pk}/history/").status_code == 404

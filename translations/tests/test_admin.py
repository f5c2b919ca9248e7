"""Translators work in the admin: their queue, accept, deliver, through the services."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eventstore.context import operation
from translations.models import RequestView
from translations.services import translation_request_open, translation_requests_submit

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

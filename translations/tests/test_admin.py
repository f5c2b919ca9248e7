"""Translators work in the admin: their queue, accept, deliver, through the services."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eventstore.context import operation
from translations.models import RequestView
from translations.services import translation_request_open, translation_request_submit

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/translations/requestview/"


@pytest.fixture
def open_request(users, tmp_path, settings):
    """A request the documents context has answered (its reply stood for by the service)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with operation(actor=f"user:{users.customer.pk}"):
        request = translation_request_submit(
            document_id=uuid.uuid4(), revision=1, source_sha256="a" * 64,
            customer_id=users.customer.pk, target_language="fr",
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

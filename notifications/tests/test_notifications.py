"""Customers and translators are told what happens to their requests, in the app and by
email, each notice once however often its event is delivered; they choose per kind."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from eventstore.context import operation
from eventstore.store import read_stream
from messaging.consumers import Outcome, apply_event
from notifications.handlers import CONSUMER
from notifications.models import Notification, Preference
from notifications.services import unsubscribe_token
from translations.services import translator_language_pairs_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(embedded, users):
    users.customer.email = "carla@example.com"
    users.customer.save()
    users.translator.email = "tina@example.com"
    users.translator.save()
    with operation(actor=f"user:{users.translator.pk}"):
        translator_language_pairs_set(
            translator_id=users.translator.pk, sources=["en"], targets=["fr"]
        )
    return embedded(users.customer), embedded(users.translator)


def texts(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True)
    )


def test_each_step_is_told_to_whom_it_concerns_in_the_app_and_by_email(people, users):
    customer, translator = people
    document = customer.upload(language="en", content=b"Three short words").json()["id"]
    request_id = customer.submit(document).json()["id"]
    translator.act(request_id, "accept")
    translator.deliver(request_id)
    customer.act(request_id, "request-changes", data={"comment": "Use vous."}, format="json")
    translator.deliver(request_id)

    assert texts(users.customer) == [
        "Translators can now take the French translation of revision 1.",
        "A translator accepted the French translation of revision 1.",
        "Delivered: the French translation of revision 1. Approve it or ask for changes.",
        "The changes you asked for are in: the French translation of revision 1.",
    ]
    assert texts(users.translator) == [
        "New request: the French translation of revision 1, 3 words.",
        "Changes asked for the French translation of revision 1: Use vous.",
    ]
    assert texts(users.other_translator) == []  # tom chose no languages: not told
    assert [m.to for m in mail.outbox].count(["carla@example.com"]) == 4
    first = next(m for m in mail.outbox if m.to == ["carla@example.com"])
    assert f"/documents/{document}/" in first.body
    assert "/notifications/unsubscribe/" in first.body
    assert first.extra_headers["List-Unsubscribe"].startswith("<http://")


def test_a_redelivered_event_tells_nobody_twice(people, users):
    customer, _ = people
    document = customer.upload(language="en").json()["id"]
    request_id = customer.submit(document).json()["id"]
    opened = next(e for e in read_stream(uuid.UUID(request_id)) if e.event_type.endswith("Opened"))
    notices, emails = Notification.objects.count(), len(mail.outbox)

    again = apply_event(CONSUMER, opened)  # the inbox knows it
    CONSUMER.handlers[opened.event_type](opened)  # and a replay past the inbox adds nothing

    assert again is Outcome.DUPLICATE
    assert (Notification.objects.count(), len(mail.outbox)) == (notices, emails)


def test_choices_per_kind_and_the_unsubscribe_link(people, users, client):
    customer, _ = people
    client.force_login(users.customer)
    client.post("/notifications/settings/", {"in_app": ["opened", "accepted"], "email": []})
    document = customer.upload().json()["id"]
    customer.submit(document)

    (notice,) = Notification.objects.filter(user=users.customer)
    assert (notice.in_app, notice.email_wanted) == (True, False)
    assert not [m for m in mail.outbox if m.to == ["carla@example.com"]]

    client.logout()
    token = unsubscribe_token(notice)
    assert client.get(f"/notifications/unsubscribe/{token}/").status_code == 200
    done = client.post(f"/notifications/unsubscribe/{token}/")
    forged = client.post(f"/notifications/unsubscribe/{token[:-2]}xx/")
    assert b"no more emails of this kind" in done.content
    assert Preference.objects.get(user=users.customer, kind="opened").email is False
    assert forged.status_code == 400


def test_the_unread_count_is_on_every_page_until_read(people, users, client):
    customer, _ = people
    customer.submit(customer.upload().json()["id"])
    client.force_login(users.customer)

    page = client.get("/")
    listed = client.get("/notifications/")
    client.post("/notifications/read/")
    after = client.get("/")

    assert b'aria-label="1 unread">1</span>' in page.content
    assert b"Translators can now take the French translation" in listed.content
    assert b"unread" not in after.content


def test_translators_offered_a_request_hear_when_it_is_withdrawn(people, users):
    customer, _ = people
    request_id = customer.submit(customer.upload(language="en").json()["id"]).json()["id"]

    customer.act(request_id, "cancel")

    assert texts(users.translator)[-1] == (
        "No longer offered: the French translation of revision 1 (the customer cancelled it)."
    )
    assert texts(users.other_translator) == []  # never offered it

"""The pipeline page and dead letters with a retry action, in the admin."""

from __future__ import annotations

import json
import uuid

import pytest

from eventstore.context import operation
from eventstore.store import read_stream
from messaging.consumers import get_consumer
from messaging.dispatch import record_dead_letter
from messaging.models import DeadLetter
from testkit.helpers import append_things
from testkit.testapp.apps import ECHO, LEDGER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("thing_type")]


def test_the_pipeline_page_shows_what_is_not_yet_published(admin_client, actor):
    from eventstore.models import Event

    before = Event.objects.count()  # signing in as staff appended security events
    append_things(uuid.uuid4(), 1, 2, 3)
    waiting = before + 3

    events = admin_client.get("/admin/eventstore/event/")
    pipeline = admin_client.get("/admin/messaging/deadletter/pipeline/")

    assert b'href="/admin/messaging/deadletter/pipeline/"' in events.content
    assert f"{waiting} events not yet published".encode() in pipeline.content
    assert f"{waiting} events not yet in a signed checkpoint".encode() in pipeline.content


def test_a_dead_letter_is_retried_through_the_inbox(admin_client, relay_on_commit):
    with operation(actor="user:7"):
        (thing,) = append_things(uuid.uuid4(), 5)
    letter = record_dead_letter(
        get_consumer(ECHO), topic="testing.events",
        payload=json.dumps(thing.envelope()), error="TimeoutError: db was away", attempts=5,
    )  # fmt: skip

    response = admin_client.post(
        "/admin/messaging/deadletter/",
        {"action": "retry", "_selected_action": [str(letter.pk)]},
        follow=True,
    )

    assert b"applied; resolved" in response.content
    assert DeadLetter.objects.get().resolved_at is not None
    assert [e.data["n"] for e in read_stream(LEDGER)] == [5]


def test_pipeline_status_shows_the_seal_lag(
    thing_type, actor, capsys, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from eventstore.sealing import seal

    append_things(uuid.uuid4(), 1, 2)
    call_command("pipeline_status")
    before = capsys.readouterr().out
    with django_capture_on_commit_callbacks(execute=True):
        seal()
    call_command("pipeline_status")
    after = capsys.readouterr().out

    assert "seal: 2 event(s) not sealed, oldest " in before
    assert "; tree of 0\n" in before
    assert "seal: 0 event(s) not sealed; tree of 2\n" in after

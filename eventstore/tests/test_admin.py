"""The audit views in the admin: read-only log, filters, CSV, operation tree, chain
verification."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

import pytest

from eventstore.context import operation
from testkit.helpers import append_things

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("thing_type")]

EVENTS = "/admin/eventstore/event/"


@dataclass
class Logged:
    correlation_id: str
    events: list  # the user's two, then the timer's one


@pytest.fixture
def logged(admin_client) -> Logged:
    with operation(actor="user:7", correlation_id=str(uuid.uuid4())) as first:
        events = append_things(uuid.uuid4(), 1, 2)
    with operation(actor="system:timer", correlation_id=str(uuid.uuid4())):
        events += append_things(uuid.uuid4(), 3)
    return Logged(first.correlation_id, events)


def numbers(response) -> list[int]:
    """The ``n`` of each test event listed, in the list's order (signing in as staff
    appended security events too)."""
    listed = response.context["cl"].result_list
    return [e.data["n"] for e in listed if e.event_type == "testing.ThingHappened"]


def test_the_log_is_read_only_and_filters_by_actor_and_correlation(admin_client, logged):
    assert numbers(admin_client.get(EVENTS)) == [3, 2, 1]  # newest first
    assert numbers(admin_client.get(EVENTS, {"actor": "user:7"})) == [2, 1]
    assert numbers(admin_client.get(EVENTS, {"not_actor": "user:7"})) == [3]
    assert numbers(admin_client.get(EVENTS, {"q": logged.correlation_id})) == [2, 1]
    assert numbers(admin_client.get(EVENTS, {"q": "not-an-id"})) == []
    assert admin_client.get(f"{EVENTS}add/").status_code == 403
    first = logged.events[0].position
    detail = admin_client.get(f"{EVENTS}{first}/change/")
    assert b"&quot;n&quot;: 1" in detail.content  # the payload, decoded and indented
    assert b'name="_save"' not in detail.content
    assert admin_client.post(f"{EVENTS}{first}/delete/").status_code == 403


def test_a_filtered_view_exports_as_csv(admin_client, logged):
    response = admin_client.post(
        f"{EVENTS}?actor=user%3A7",
        {"action": "export_csv", "select_across": "1", "index": "0",
         "_selected_action": [str(logged.events[0].position)]},
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["position", "occurred_at", "event_type"]
    assert [int(r[0]) for r in rows[1:]] == [e.position for e in logged.events[:2]]
    assert {r[7] for r in rows[1:]} == {logged.correlation_id}


def test_operation_tree_and_verification_pages(admin_client, logged):
    tree = admin_client.get(f"{EVENTS}correlation/{logged.correlation_id}/")
    assert tree.status_code == 200 and tree.content.count(b"testing.ThingHappened") == 2
    assert admin_client.get(f"{EVENTS}correlation/{uuid.uuid4()}/").status_code == 404

    verified = admin_client.post(f"{EVENTS}verify/", follow=True)
    from eventstore.models import Event

    total, streams = Event.objects.count(), Event.objects.values("stream_id").distinct().count()
    assert f"<strong>Hash chains intact</strong>: {total} events in {streams} streams".encode() in (
        verified.content
    )
    assert (
        f"<strong>Tree intact</strong>: 0 sealed events under 0 signed checkpoints; {total} not"
    ).encode() in verified.content


def test_the_log_pages_by_position_without_offset(admin_client, logged, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from eventstore.admin import EventAdmin

    EventAdmin.list_per_page = 2
    try:
        with CaptureQueriesContext(connection) as queries:
            first = admin_client.get(EVENTS, {"stream_type": "testing.Thing"})
        older = admin_client.get(EVENTS + first.context["older_url"])
    finally:
        EventAdmin.list_per_page = 100

    assert numbers(first) == [3, 2]
    assert first.context["older_url"] == (
        f"?before={logged.events[1].log_key.token}&stream_type=testing.Thing"
    )
    assert numbers(older) == [1]
    assert "older_url" not in older.context
    event_queries = [q["sql"] for q in queries.captured_queries if "eventstore_event" in q["sql"]]
    assert not any("OFFSET" in sql or "COUNT(" in sql for sql in event_queries), event_queries


@pytest.mark.postgres
def test_actor_and_correlation_filters_use_their_indexes(thing_type):
    from django.db import connection

    from eventstore.models import Event

    # given: a known table, analysed, so that the plan depends on these rows and not on
    # whether autovacuum happened to analyse the table before this test
    for n in range(200):
        with operation(actor=f"user:{n}", correlation_id=str(uuid.uuid4())):
            append_things(uuid.uuid4(), n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE eventstore_event")
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is still small

    by_correlation = Event.objects.by_correlation(str(uuid.uuid4())).explain()
    by_actor = Event.objects.by_actor("user:7").explain()

    assert "eventstore_event_correlation" in by_correlation
    assert "eventstore_event_actor" in by_actor
    assert [e.data["n"] for e in Event.objects.by_actor("user:7")] == [7]

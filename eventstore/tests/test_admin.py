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


def listed(response) -> list[int]:
    return [e.position for e in response.context["cl"].result_list]


def test_actors_are_named_beside_their_ids_in_one_query(admin_client, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for actor in (f"user:{users.customer.pk}", f"user:{users.translator.pk}", "system:timer",
                  "user:99999"):  # fmt: skip
        with operation(actor=actor):
            append_things(uuid.uuid4(), 1)

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(EVENTS, {"stream_type": "testing.Thing"})

    html = page.content.decode()
    assert f"carla (user:{users.customer.pk})" in html
    assert f"tina (user:{users.translator.pk})" in html
    assert ">system:timer<" in html and ">user:99999<" in html  # no user: the bare id
    names = [q["sql"] for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len([sql for sql in names if " IN (" in sql]) == 1, names


def test_search_finds_the_short_ids_the_list_shows_and_names_in_the_data(admin_client):
    from eventstore.store import NewEvent, append

    stream_id = uuid.uuid4()
    with operation(actor="user:7", correlation_id=str(uuid.uuid4())) as upload:
        [letter] = append(
            stream_type="testing.Thing", stream_id=stream_id, expected_version=0,
            events=[NewEvent("testing.ThingHappened", {
                "n": 1, "payload": {"filename": "lettre-café.txt", "title": "Letter to the editor"},
            })],
        )  # fmt: skip
    with operation(actor="user:7"):
        [other] = append_things(uuid.uuid4(), 2)

    def found(term: str) -> list[int]:
        return numbers(admin_client.get(EVENTS, {"q": term}))

    assert found(str(letter.event_id)[:8]) == [1]
    assert found(str(stream_id)[:8].upper()) == [1]
    assert found(upload.correlation_id[:8]) == [1]
    assert found(str(other.stream_id)[:13]) == [2]  # with the hyphen, as copied
    assert found("LETTER to the") == [1]
    assert found("café.txt") == [1]
    assert found("lettre-caf") == [1]
    assert found("nowhere.txt") == []


def test_an_invalid_date_is_said_and_nothing_is_filtered(admin_client, logged):
    page = admin_client.get(
        EVENTS, {"occurred_at__range__gte_0": "2026-13-45", "occurred_at__range__gte_1": "10:00"}
    )

    text = page.content.decode()
    assert "was not applied" in text and "From &#x27;2026-13-45 10:00&#x27;" in text
    assert "YYYY-MM-DD" in text and "HH:MM:SS" in text
    assert numbers(page) == [3, 2, 1]  # not filtered


def test_a_date_without_a_time_means_the_whole_day(admin_client, logged):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    whole_day = admin_client.get(
        EVENTS, {"occurred_at__range__gte_0": today, "occurred_at__range__lte_0": today}
    )
    before = admin_client.get(EVENTS, {"occurred_at__range__lte_0": "2000-01-01"})

    assert numbers(whole_day) == [3, 2, 1]
    assert numbers(before) == []
    assert b"was not applied" not in whole_day.content


def test_times_are_shown_with_their_time_zone(admin_client, logged, settings):
    from django.utils import timezone

    settings.TIME_ZONE = "Europe/Paris"
    when = timezone.localtime(logged.events[0].occurred_at)

    page = admin_client.get(EVENTS).content.decode()

    assert f"{when:%Y-%m-%d %H:%M:%S} {when:%Z}" in page
    assert when.strftime("%Z") in {"CET", "CEST"}


def test_the_counts_shown_are_true(admin_client, logged):
    from eventstore.admin import EventAdmin

    EventAdmin.list_per_page = 2
    try:
        more = admin_client.get(EVENTS, {"stream_type": "testing.Thing"})
        searched = admin_client.get(EVENTS, {"stream_type": "testing.Thing", "q": '"n"'})
    finally:
        EventAdmin.list_per_page = 100
    one_page = admin_client.get(EVENTS, {"stream_type": "testing.Thing"})

    # three events, a page of two: no number is offered for "all", rather than a wrong one
    assert more.context["cl"].result_count == 3
    assert b"Select all 3" not in more.content
    assert b"Select every matching event, on all pages" in more.content
    assert b"2 events shown; older ones follow" in more.content
    # everything on one page: the count is the number of events, nothing more to select
    assert b"3 events shown; none older match" in one_page.content
    assert b"Select every matching event" not in one_page.content
    assert numbers(searched) == [3, 2] and b"3 results" not in searched.content
    assert b"1 result" in admin_client.get(EVENTS, {"q": str(logged.events[2].event_id)}).content

"""``read_envelopes`` reads what ``RecordedEvent.envelope`` makes of ``read_all``'s events, to
the byte once serialized: the relay publishes the one, consumers compare with the other."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection

from eventstore.context import operation
from eventstore.store import (
    NewEvent,
    RecordedEvent,
    _occurred_at_text,
    append,
    read_all,
    read_envelopes,
)
from testkit.helpers import append_things

# On SQLite read_envelopes is read_all's envelopes by definition.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def serialized(envelopes: list[dict]) -> list[bytes]:
    return [json.dumps(e, separators=(",", ":")).encode() for e in envelopes]


def test_envelopes_are_the_envelopes_of_the_events_read(thing_type, stream_id):
    with operation(actor="user:42", causation_id="cause-1"):
        append_things(stream_id, 1, 2)
        append(
            stream_type="testing.Thing",
            stream_id=uuid.uuid4(),
            expected_version=0,
            events=[
                NewEvent(
                    "testing.ThingHappened",
                    {
                        "n": 3,
                        "label": "Übersetzung „fertig“ ✓\u2028",
                        # 1e20 is stored as the integer 100000000000000000000
                        "payload": {"z": [1.5, None, 1e20, -0.25], "ключ": True},
                    },
                )
            ],
        )

    envelopes = read_envelopes()

    expected = [event.envelope() for event in read_all()]
    assert len(envelopes) == 3
    assert envelopes == expected
    assert serialized(envelopes) == serialized(expected)
    assert [RecordedEvent.from_envelope(e) for e in envelopes] == read_all()


def test_envelopes_page_through_the_log_like_read_all(thing_type, actor, stream_id):
    append_things(stream_id, *range(7))
    first = read_envelopes(limit=4)
    last = RecordedEvent.from_envelope(first[-1]).log_key

    rest = read_envelopes(after=last, limit=4)

    assert [e["data"]["n"] for e in first + rest] == list(range(7))
    assert rest == [event.envelope() for event in read_all(after=last)]


def test_envelopes_carry_old_events_upcast(upgrade_thing_type, actor, stream_id):
    append_things(stream_id, 5)
    upgrade_thing_type()

    (envelope,) = read_envelopes()

    assert (envelope["schema_version"], envelope["data"]) == (2, {"count": 5})
    assert [envelope] == [event.envelope() for event in read_all()]


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-29 11:55:15.160629+00",
        "2026-11-29 11:55:15.100000+00",  # isoformat keeps the zeros
        "2026-11-29 11:55:15.000001+00",
        "2026-11-29 11:55:15+00",  # and writes no fraction at all
        "2026-11-29 23:30:00.5-05:00",  # another zone: the envelope's time is in UTC
        "0999-01-01 00:00:00+00",
    ],
)
def test_the_time_is_written_as_isoformat_writes_the_time_django_reads(stored):
    text = _occurred_at_text()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT %s::timestamptz, {text.sql} FROM (SELECT %s::timestamptz AS occurred_at) "
            'AS "eventstore_event"',
            [stored, stored],
        )
        read, written = cursor.fetchone()

    assert written == read.isoformat()


@pytest.mark.parametrize(
    "stored", ["infinity", "-infinity", "0044-03-15 12:00:00+00 BC", "10000-01-01 00:00:00+00"]
)
def test_a_time_no_datetime_holds_is_not_written(stored):
    text = _occurred_at_text()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {text.sql} FROM (SELECT %s::timestamptz AS occurred_at) AS "eventstore_event"',
            [stored],
        )
        (written,) = cursor.fetchone()

    assert written is None  # and read_envelopes refuses the event, as read_all does

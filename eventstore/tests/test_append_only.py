"""The event table refuses UPDATE, DELETE and TRUNCATE in the database itself."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from eventstore.models import Event, Stream
from testkit.helpers import append_things

pytestmark = pytest.mark.django_db

STATEMENTS = {
    "UPDATE": "UPDATE eventstore_event SET data = '{\"n\": 99}'",
    "DELETE": "DELETE FROM eventstore_event",
    # Django's foreign keys are deferred; fire their pending checks so TRUNCATE gets as far
    # as the table's own triggers.
    "TRUNCATE": "SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE eventstore_event CASCADE",
}


@pytest.mark.parametrize("operation", ["UPDATE", "DELETE", "TRUNCATE"])
def test_the_database_refuses_to_change_or_remove_events(operation, thing_type, actor, stream_id):
    if operation == "TRUNCATE" and connection.vendor == "sqlite":
        pytest.skip("SQLite has no TRUNCATE; an unqualified DELETE is covered")
    append_things(stream_id, 1)

    with (
        pytest.raises(DatabaseError, match=f"append-only: {operation} is not allowed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(STATEMENTS[operation])

    assert Event.objects.get().data == {"n": 1}


def test_the_orm_cannot_change_events_either(thing_type, actor, stream_id):
    append_things(stream_id, 1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.update(event_type="testing.Forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.all().delete()


@pytest.mark.postgres
def test_truncating_an_empty_event_table_is_allowed_as_it_removes_no_event():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(STATEMENTS["TRUNCATE"])

    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("DELETE FROM eventstore_stream", "eventstore_stream is append-only: DELETE"),
        ("UPDATE eventstore_stream SET version = version - 1", "heads only move forward"),
        ("UPDATE eventstore_stream SET stream_type = 'testing.Other'", "heads only move forward"),
    ],
)
def test_stream_heads_cannot_be_removed_or_moved_back(statement, refusal, thing_type, actor):
    append_things(uuid.uuid4(), 1, 2)

    with (
        pytest.raises(DatabaseError, match=refusal),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert Stream.objects.get().version == 2

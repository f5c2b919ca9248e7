"""Tamper evidence: ``verify_events`` finds rows changed behind the trigger's back."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from eventstore.verification import verify_chain
from testkit.helpers import append_things

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def behind_the_triggers_back(sql: str, params: list | None = None) -> None:
    """What a superuser can do: switch ordinary triggers off for the transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])


def test_an_intact_chain_verifies(thing_type, actor, capsys):
    append_things(uuid.uuid4(), 1, 2, 3)
    append_things(uuid.uuid4(), 4)

    call_command("verify_events")

    assert "hash chains intact: 4 event(s) in 2 stream(s) verified" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("tampering", "reported"),
    [
        pytest.param(
            "UPDATE eventstore_event SET data = '{{\"n\": 20}}' WHERE position = {v2}",
            "stream {stream} version 2 (event {event_2}): content does not match its hash",
            id="edited-data",
        ),
        pytest.param(
            "UPDATE eventstore_event SET metadata = jsonb_set(metadata, '{{actor}}', '\"user:1\"') "
            "WHERE position = {v2}",
            "stream {stream} version 2 (event {event_2}): content does not match its hash",
            id="forged-actor",
        ),
        pytest.param(
            "UPDATE eventstore_event SET occurred_at = occurred_at - interval '1 day' "
            "WHERE position = {v2}",
            "stream {stream} version 2 (event {event_2}): content does not match its hash",
            id="backdated",
        ),
        pytest.param(
            "DELETE FROM eventstore_event WHERE position = {v2}",
            "stream {stream} version 2: missing: the next stored event of the stream is version 3",
            id="deleted-row",
        ),
        pytest.param(
            "UPDATE eventstore_event SET prev_hash = repeat('a', 64) WHERE position = {v3}",
            "stream {stream} version 3 (event {event_3}): prev_hash does not match",
            id="relinked-row",
        ),
        pytest.param(
            "UPDATE eventstore_event SET data = '{{\"n\": 20}}', hash = encode(sha256("
            "'forged'::bytea), 'hex') WHERE position = {v2}",
            "stream {stream} version 2 (event {event_2}): content does not match its hash",
            id="rehashed-row",
        ),
        pytest.param(
            "DELETE FROM eventstore_event WHERE position = {v4}",
            "stream {stream} version 4: the stream's head is at version 4, but its last stored "
            "event is version 3",
            id="deleted-tail",
        ),
        pytest.param(
            "DELETE FROM eventstore_event WHERE stream_id = '{stream}'",
            "stream {stream} version 1: the stream's head is at version 4, but it has no events",
            id="deleted-stream",
        ),
    ],
)
def test_tampering_is_reported_at_the_first_broken_link(tampering, reported, thing_type, actor):
    stream = uuid.uuid4()
    events = append_things(stream, 1, 2, 3, 4)
    append_things(uuid.uuid4(), 5)  # another stream, intact
    positions = {e.version: e.position for e in events}

    behind_the_triggers_back(
        tampering.format(stream=stream, **{f"v{v}": p for v, p in positions.items()})
    )

    report = verify_chain(batch_size=2)
    expected = reported.format(
        stream=stream, event_2=events[1].event_id, event_3=events[2].event_id
    )
    assert not report.ok
    assert str(report.broken).startswith(expected), str(report.broken)
    with pytest.raises(CommandError, match="first broken link at stream"):
        call_command("verify_events")


@pytest.mark.postgres
def test_verify_events_exits_non_zero_on_a_tampered_database(committed_db, thing_type, actor):
    stream = uuid.uuid4()
    events = append_things(stream, 1, 2, 3)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE eventstore_event SET data = '{\"n\": 9}' WHERE position = %s",
            [events[1].position],
        )
        cursor.execute("RESET session_replication_role")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "verify_events"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert f"first broken link at stream {stream} version 2 (event {events[1].event_id})" in (
        result.stderr
    )

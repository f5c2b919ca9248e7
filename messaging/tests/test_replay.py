"""Replays of stored events through the bus: consumers apply nothing twice."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command

from eventstore.store import read_stream
from testkit.helpers import append_things
from testkit.testapp.apps import LEDGER

pytestmark = pytest.mark.django_db


def test_a_replay_through_the_bus_applies_nothing_twice(
    relay_on_commit,
    thing_type,
    actor,
    django_capture_on_commit_callbacks,
    capsys,
):
    with django_capture_on_commit_callbacks(execute=True):
        append_things(uuid.uuid4(), 1, 2)
    with django_capture_on_commit_callbacks(execute=True):
        append_things(uuid.uuid4(), 3)
    assert sorted(e.data["n"] for e in read_stream(LEDGER)) == [1, 2, 3]

    call_command("replay_events")

    assert "replayed 6 event(s)" in capsys.readouterr().out  # 3 things + 3 handled
    assert sorted(e.data["n"] for e in read_stream(LEDGER)) == [1, 2, 3]


def test_a_replay_can_be_limited_to_a_stream_or_a_position_range(
    relay_on_commit,
    thing_type,
    actor,
    stream_id,
    capsys,
):
    events = append_things(stream_id, 1, 2, 3)
    append_things(uuid.uuid4(), 4)

    call_command(
        "replay_events", "--stream", str(stream_id), "--from-position", str(events[1].position)
    )
    call_command("replay_events", "--to-position", str(events[0].position))

    assert capsys.readouterr().out.split("\n")[:2] == ["replayed 2 event(s)", "replayed 1 event(s)"]


def test_a_bad_replay_time_is_a_clear_error():
    with pytest.raises(CommandError, match="not an ISO 8601 date-time: 'yesterday'"):
        call_command("replay_events", "--since", "yesterday")

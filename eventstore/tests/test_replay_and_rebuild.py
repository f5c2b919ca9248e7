from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command

from eventstore.store import read_stream
from eventstore.tests.helpers import append_things
from eventstore.tests.testapp.apps import LEDGER
from eventstore.tests.testapp.models import ThingTotal

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
    append_things(stream_id, 1, 2, 3)
    append_things(uuid.uuid4(), 4)

    call_command("replay_events", "--stream", str(stream_id), "--from-position", "2")
    call_command("replay_events", "--to-position", "1")

    assert capsys.readouterr().out.split("\n")[:2] == ["replayed 2 event(s)", "replayed 1 event(s)"]


def test_a_bad_replay_time_is_a_clear_error():
    with pytest.raises(CommandError, match="not an ISO 8601 date-time: 'yesterday'"):
        call_command("replay_events", "--since", "yesterday")


def test_a_read_model_is_rebuilt_from_the_store(thing_type, actor, capsys):
    first, second = uuid.uuid4(), uuid.uuid4()
    append_things(first, 1, 2)
    append_things(second, 5)
    ThingTotal.objects.create(stream_id=uuid.uuid4(), total=99)  # stale, not in the store

    call_command("rebuild_projections", "testing.thing_totals")
    call_command("rebuild_projections")  # all of them; running again changes nothing

    assert dict(ThingTotal.objects.values_list("stream_id", "total")) == {first: 3, second: 5}
    assert "testing.thing_totals: rebuilt from 3 event(s)" in capsys.readouterr().out


def test_rebuilding_an_unknown_projection_names_the_known_ones():
    with pytest.raises(CommandError, match=r"no projection named 'nope' \(known: .*thing_totals"):
        call_command("rebuild_projections", "nope")

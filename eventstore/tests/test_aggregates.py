from __future__ import annotations

import uuid
from typing import Any

import pytest

from eventstore.aggregates import Aggregate, load_aggregate, save_aggregate
from eventstore.exceptions import ConcurrencyError
from eventstore.models import Snapshot
from eventstore.store import NewEvent, RecordedEvent

pytestmark = pytest.mark.django_db


class Tally(Aggregate):
    stream_type = "testing.Tally"

    def __init__(self, stream_id: uuid.UUID) -> None:
        super().__init__(stream_id)
        self.total = 0
        self.applied = 0  # events folded by this instance, to see what a load read

    def add(self, n: int) -> list[NewEvent]:
        return [NewEvent("testing.ThingHappened", {"n": n})]

    def apply(self, event: RecordedEvent) -> None:
        self.total += event.data["n"]
        self.applied += 1

    def snapshot_state(self) -> dict[str, Any]:
        return {"total": self.total}

    def restore_snapshot(self, state: dict[str, Any]) -> None:
        self.total = state["total"]


def add_many(stream_id: uuid.UUID, count: int) -> None:
    for n in range(1, count + 1):
        tally = load_aggregate(Tally, stream_id)
        save_aggregate(tally, tally.add(n))


def test_an_aggregate_is_its_folded_stream(thing_type, actor, stream_id, settings):
    settings.EVENTSTORE_SNAPSHOT_EVERY = 0

    add_many(stream_id, 4)
    tally = load_aggregate(Tally, stream_id)

    assert (tally.total, tally.version, tally.applied) == (10, 4, 4)
    assert not Snapshot.objects.exists()


def test_a_long_stream_loads_from_its_snapshot_plus_the_tail(
    thing_type, actor, stream_id, settings
):
    settings.EVENTSTORE_SNAPSHOT_EVERY = 3

    add_many(stream_id, 7)
    tally = load_aggregate(Tally, stream_id)

    snapshot = Snapshot.objects.get(stream_id=stream_id)
    assert (snapshot.version, snapshot.state) == (6, {"total": 21})
    assert (tally.total, tally.version) == (28, 7)
    assert tally.applied == 1  # only event 7 was read


def test_a_snapshot_of_an_older_shape_is_ignored(
    thing_type, actor, stream_id, settings, monkeypatch
):
    settings.EVENTSTORE_SNAPSHOT_EVERY = 2
    add_many(stream_id, 4)

    monkeypatch.setattr(Tally, "snapshot_schema_version", 2)
    tally = load_aggregate(Tally, stream_id)

    assert (tally.total, tally.applied) == (10, 4)


def test_saving_from_a_stale_load_is_a_concurrency_error(thing_type, actor, stream_id):
    stale = load_aggregate(Tally, stream_id)
    add_many(stream_id, 1)

    with pytest.raises(ConcurrencyError):
        save_aggregate(stale, stale.add(5))

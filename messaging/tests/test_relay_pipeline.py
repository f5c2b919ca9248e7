"""The relay publishes the log in batches, in log order, and its checkpoint moves only over
what was delivered: a refused event stops the run, and the next run starts from it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from eventstore.context import operation
from messaging.models import RelayCheckpoint
from messaging.relay import destination, relay_log
from messaging.wire import Message
from testkit.helpers import append_things

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("thing_type")]


class Broker:
    """A bus that refuses the positions in ``refused`` and logs what it was given."""

    def __init__(self, refused: set[int] = frozenset()) -> None:
        self.refused = refused
        self.batches: list[list[int]] = []

    def publish(self, messages: Sequence[Message]) -> dict[int, str | None]:
        positions = [m.position for m in messages]
        self.batches.append(positions)
        return {p: "broker said no" if p in self.refused else None for p in positions}


@pytest.fixture
def events(settings):
    settings.EVENT_BUS = "inprocess"
    settings.MESSAGING_RELAY_ON_COMMIT = False
    with operation(actor="user:1"):
        return append_things(uuid.uuid4(), *range(10))


def checkpoint() -> RelayCheckpoint:
    return RelayCheckpoint.objects.get(name=destination())


def test_the_log_goes_out_in_batches_in_log_order(events):
    broker = Broker()

    run = relay_log(publisher=broker, batch_size=3)

    assert [len(batch) for batch in broker.batches] == [3, 3, 3, 1]
    assert [p for batch in broker.batches for p in batch] == [e.position for e in events]
    assert run.published == 10 and not run.failed
    assert checkpoint().key == events[-1].log_key


def test_a_refused_event_stops_the_run_and_everything_from_it_is_sent_again(events):
    refused = events[4]  # in the second batch
    broker = Broker(refused={refused.position})

    run = relay_log(publisher=broker, batch_size=3)

    assert run.failed == 1 and run.published == 4
    assert checkpoint().key == events[3].log_key
    assert checkpoint().last_error == "broker said no"
    sent = [p for batch in broker.batches for p in batch]
    assert sent == [e.position for e in events[:6]], "nothing after the refused batch"

    healthy = Broker()
    again = relay_log(publisher=healthy, batch_size=3)

    resent = [p for batch in healthy.batches for p in batch]
    assert resent == [e.position for e in events[4:]]
    assert again.published == 6 and checkpoint().key == events[-1].log_key

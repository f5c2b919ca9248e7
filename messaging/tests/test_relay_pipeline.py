"""The relay sends a batch only once the one before it is acknowledged (else a stream's later
events could reach the topic before earlier ones that timed out), and its checkpoint moves
only over what was delivered, in log order."""

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
    """A bus that acknowledges when asked, and refuses the positions in ``refused``."""

    def __init__(self, refused: set[int] = frozenset()) -> None:
        self.refused = refused
        self.log: list[tuple[str, list[int]]] = []

    def send(self, messages: Sequence[Message]) -> Acks:
        positions = [m.event.position for m in messages]
        self.log.append(("send", positions))
        return Acks(self, positions)


class Acks:
    def __init__(self, broker: Broker, positions: list[int]) -> None:
        self.broker, self.positions = broker, positions

    def results(self) -> dict[int, str | None]:
        self.broker.log.append(("acks", self.positions))
        return {p: "broker said no" if p in self.broker.refused else None for p in self.positions}


@pytest.fixture
def events(settings):
    settings.EVENT_BUS = "inprocess"
    settings.MESSAGING_RELAY_ON_COMMIT = False
    with operation(actor="user:1"):
        return append_things(uuid.uuid4(), *range(10))


def checkpoint() -> RelayCheckpoint:
    return RelayCheckpoint.objects.get(name=destination())


def test_a_batch_is_sent_only_after_the_previous_one_is_acknowledged(events):
    broker = Broker()

    run = relay_log(publisher=broker, batch_size=3)

    batches = [positions for step, positions in broker.log if step == "send"]
    assert [p for batch in batches for p in batch] == [e.position for e in events]
    assert broker.log == [(step, batch) for batch in batches for step in ("send", "acks")]
    assert run.published == 10 and not run.failed
    assert checkpoint().key == events[-1].log_key


def test_a_refused_event_stops_the_run_and_everything_from_it_is_sent_again(events):
    refused = events[4]  # in the second batch
    broker = Broker(refused={refused.position})

    run = relay_log(publisher=broker, batch_size=3)

    assert run.failed == 1 and run.published == 4
    assert checkpoint().key == events[3].log_key
    assert checkpoint().last_error == "broker said no"
    sent = [p for step, batch in broker.log if step == "send" for p in batch]
    assert sent == [e.position for e in events[:6]], "nothing after the refused batch"

    healthy = Broker()
    again = relay_log(publisher=healthy, batch_size=3)

    resent = [p for step, batch in healthy.log if step == "send" for p in batch]
    assert resent == [e.position for e in events[4:]]
    assert again.published == 6 and checkpoint().key == events[-1].log_key

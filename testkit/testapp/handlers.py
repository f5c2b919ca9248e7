"""The ``testing`` context's consumer and projection (see ``apps``)."""

from __future__ import annotations

from django.db.models import F

from eventstore.projections import Projection
from eventstore.store import NewEvent, append, stream_version
from messaging.consumers import Consumer
from testkit.testapp.apps import ECHO, LEDGER, THING_HAPPENED
from testkit.testapp.models import ThingTotal


def echo(event) -> None:
    if event.data.get("label") == "poison":
        raise ValueError(f"cannot handle thing {event.data['n']}")
    append(
        stream_type="testing.Ledger",
        stream_id=LEDGER,
        expected_version=stream_version(LEDGER),
        events=[
            NewEvent(
                "testing.ThingHandled",
                {"handled_event_id": str(event.event_id), "n": event.data["n"]},
            )
        ],
    )


def add_to_total(event) -> None:
    ThingTotal.objects.get_or_create(stream_id=event.stream_id)
    ThingTotal.objects.filter(stream_id=event.stream_id).update(total=F("total") + event.data["n"])


def reset_totals() -> None:
    ThingTotal.objects.all().delete()


CONSUMERS = [Consumer(name=ECHO, contexts=("testing",), handlers={THING_HAPPENED.name: echo})]
PROJECTIONS = [
    Projection(
        name="testing.thing_totals",
        event_types=frozenset({THING_HAPPENED.name}),
        apply=add_to_total,
        reset=reset_totals,
    )
]

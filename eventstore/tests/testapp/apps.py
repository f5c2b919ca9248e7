"""A bounded context named ``testing`` that exists only in the test settings.

Its consumer ``testing-echo`` answers each ThingHappened with a ThingHandled appended to a
ledger stream at its *current* version: applying an event twice would leave two entries, so
tests can see whether the inbox kept a consumer to once.
"""

from __future__ import annotations

import uuid

from django.apps import AppConfig

from eventstore.registry import EventType

THING_HAPPENED = EventType(
    name="testing.ThingHappened",
    schema={
        "type": "object",
        "properties": {"n": {"type": "integer"}, "label": {"type": "string"}},
        "required": ["n"],
        "additionalProperties": False,
    },
)
THING_HANDLED = EventType(
    name="testing.ThingHandled",
    schema={
        "type": "object",
        "properties": {"handled_event_id": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["handled_event_id", "n"],
    },
)
LEDGER = uuid.UUID("00000000-0000-4000-8000-00000000feed")
ECHO = "testing-echo"


def echo(event) -> None:
    from eventstore.store import NewEvent, append, stream_version

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
    from django.db.models import F

    from eventstore.tests.testapp.models import ThingTotal

    ThingTotal.objects.get_or_create(stream_id=event.stream_id)
    ThingTotal.objects.filter(stream_id=event.stream_id).update(total=F("total") + event.data["n"])


def reset_totals() -> None:
    from eventstore.tests.testapp.models import ThingTotal

    ThingTotal.objects.all().delete()


class TestAppConfig(AppConfig):
    name = "eventstore.tests.testapp"
    label = "eventstore_testapp"

    def ready(self) -> None:
        from eventstore.consumers import Consumer, register_consumer
        from eventstore.projections import Projection, register_projection
        from eventstore.registry import register

        register(THING_HAPPENED)
        register(THING_HANDLED)
        register_consumer(
            Consumer(name=ECHO, contexts=("testing",), handlers={THING_HAPPENED.name: echo})
        )
        register_projection(
            Projection(
                name="testing.thing_totals",
                event_types=frozenset({THING_HAPPENED.name}),
                apply=add_to_total,
                reset=reset_totals,
            )
        )

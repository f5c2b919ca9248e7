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
        # ``payload`` takes any JSON value, for tests of what the store keeps exactly.
        "properties": {"n": {"type": "integer"}, "label": {"type": "string"}, "payload": {}},
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
EVENT_TYPES = [THING_HAPPENED, THING_HANDLED]


class TestAppConfig(AppConfig):
    name = "testkit.testapp"
    label = "testapp"
    event_types = "testkit.testapp.apps.EVENT_TYPES"
    projections = "testkit.testapp.handlers.PROJECTIONS"
    consumers = "testkit.testapp.handlers.CONSUMERS"

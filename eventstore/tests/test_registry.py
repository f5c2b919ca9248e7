from __future__ import annotations

import pytest

from eventstore.registry import EventType, EventTypeRegistry, registry
from eventstore.store import read_stream
from testkit.helpers import append_things

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


def test_each_domain_app_registers_its_event_types_at_start_up():
    assert "documents.DocumentUploaded" in registry
    assert "translations.TranslationRequested" in registry
    assert {name.partition(".")[0] for name in registry.names()} >= {"documents", "translations"}


def test_names_must_carry_their_bounded_context():
    for name in ("ThingHappened", "testing.Thing Happened", "testing.ThingHappened\n"):
        with pytest.raises(ValueError, match=r"context\.EventName"):
            EventType(name=name, schema=SCHEMA)


def test_a_newer_schema_version_needs_an_upcaster_from_every_older_one():
    with pytest.raises(ValueError, match=r"no upcaster from schema version\(s\) \[1\]"):
        EventType(name="testing.ThingHappened", schema=SCHEMA, schema_version=2)


def test_registering_a_different_definition_under_a_known_name_is_refused():
    types = EventTypeRegistry()
    types.register(EventType(name="testing.A", schema=SCHEMA))
    types.register(EventType(name="testing.A", schema=SCHEMA))  # same definition: fine

    with pytest.raises(ValueError, match="already registered differently"):
        types.register(EventType(name="testing.A", schema={"type": "object"}))


@pytest.mark.django_db
def test_old_events_are_upcast_on_read_and_stay_unchanged_in_the_store(
    upgrade_thing_type, actor, stream_id
):
    # given: an event stored at schema version 1
    append_things(stream_id, 5)
    # when: version 2 renames "n" to "count"
    upgrade_thing_type()

    (event,) = read_stream(stream_id)

    # then
    assert (event.schema_version, event.data) == (2, {"count": 5})
    from eventstore.models import Event

    assert (Event.objects.get().schema_version, Event.objects.get().data) == (1, {"n": 5})

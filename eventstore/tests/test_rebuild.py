from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command

from testkit.helpers import append_things
from testkit.testapp.models import ThingTotal

pytestmark = pytest.mark.django_db


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

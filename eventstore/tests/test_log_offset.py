"""A database restored into another PostgreSQL cluster keeps its log in order once
``realign_log`` has run; until then a check says what to do."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from eventstore.checks import log_is_behind_the_cluster
from eventstore.context import operation
from eventstore.store import read_all
from testkit.helpers import append_things

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]
FAR = 10**9


def restored_from_a_cluster_far_ahead() -> None:
    """What a dump of a cluster that had handed out FAR more transaction ids looks like here."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE eventstore_event SET log_tx = log_tx + %s", [FAR])
        cursor.execute("UPDATE eventstore_stream SET log_tx = log_tx + %s", [FAR])
        cursor.execute("RESET session_replication_role")


@pytest.fixture(autouse=True)
def offset_back_to_zero(committed_db):
    yield
    with connection.cursor() as cursor:  # the test database is this cluster's again
        cursor.execute("UPDATE eventstore_log_offset SET xid_offset = 0")


def test_after_realign_log_new_events_come_after_the_restored_ones(capsys):
    with operation(actor="user:1"):
        restored = append_things(uuid.uuid4(), 1, 2)
    restored_from_a_cluster_far_ahead()

    # given: the restored events wait above the watermark, and the check says why
    assert read_all() == []
    (error,) = log_is_behind_the_cluster(None, databases=["default"])
    assert error.id == "eventstore.E001" and "realign_log" in error.hint

    call_command("realign_log")

    # then: the restored events are readable, new ones come after them, nothing to report
    with operation(actor="user:1"):
        (new,) = append_things(uuid.uuid4(), 3)
    assert [e.event_id for e in read_all()] == [*(e.event_id for e in restored), new.event_id]
    assert log_is_behind_the_cluster(None, databases=["default"]) == []
    assert "raised by" in capsys.readouterr().out
    call_command("realign_log")
    assert "nothing to do" in capsys.readouterr().out

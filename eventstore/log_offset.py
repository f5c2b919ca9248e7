"""Keeping the log's order across a restore into another PostgreSQL cluster.

``log_tx`` counts transactions from the cluster's transaction ids plus an offset (the table
``eventstore_log_offset``). A database restored from a dump into a new cluster starts from
lower ids, so new events would sort before the restored ones and readers would wait below
them for ever: the offset is raised once, before writers start again.
"""

from __future__ import annotations

from django.db import connection, transaction


def log_ahead_by() -> int:
    """How far the stored log is ahead of the transaction ids this cluster hands out next
    (0 when it is not: the normal case)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest(0, (SELECT max(log_tx) FROM eventstore_event) + 1"
            " - pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
            " - (SELECT xid_offset FROM eventstore_log_offset))"
        )
        return cursor.fetchone()[0] or 0


def realign() -> int:
    """Raises the offset so that new events come after every stored one. Appenders in flight
    finish first and new ones wait (the lock on the offset), so no reader can pass an event
    that is still being written. Returns by how much it was raised."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE eventstore_log_offset IN ACCESS EXCLUSIVE MODE")
        ahead = log_ahead_by()
        if ahead:
            cursor.execute("UPDATE eventstore_log_offset SET xid_offset = xid_offset + %s", [ahead])
    return ahead

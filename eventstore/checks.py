"""Start-up checks of the event store against its database."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.database)
def log_is_behind_the_cluster(app_configs, databases=None, **kwargs) -> list[Error]:
    """A database restored into another cluster has its log ahead of the transaction ids:
    new events would sort before the restored ones and log readers would stall."""
    from eventstore.log_offset import log_ahead_by

    if not databases or "default" not in databases:
        return []
    try:
        ahead = log_ahead_by()
    except DatabaseError:  # not migrated yet
        return []
    if not ahead:
        return []
    return [
        Error(
            f"the event log is {ahead} transaction ids ahead of this PostgreSQL cluster (was the "
            "database restored from a dump?)",
            hint="run `manage.py realign_log` before anything appends",
            id="eventstore.E001",
        )
    ]

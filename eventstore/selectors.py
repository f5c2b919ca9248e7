"""Reads of the audit log for auditors and the pages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from eventstore.models import Event


def events_of_streams(stream_ids: Iterable[uuid.UUID]) -> QuerySet[Event]:
    """The settled events of several streams (an aggregate and the ones it caused), in log
    order."""
    return Event.objects.settled().filter(stream_id__in=list(stream_ids)).in_log_order()


def event_log(
    *,
    event_type: str | None = None,
    stream_type: str | None = None,
    stream_id: uuid.UUID | None = None,
    actor: str | None = None,
    correlation_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    """The settled audit log in log order, filtered; all filters but ``stream_type`` are
    served by indexes."""
    events = Event.objects.settled().in_log_order()
    if event_type:
        events = events.filter(event_type=event_type)
    if stream_type:
        events = events.filter(stream_type=stream_type)
    if stream_id:
        events = events.filter(stream_id=stream_id)
    if actor:
        events = events.by_actor(actor)
    if correlation_id:
        events = events.by_correlation(correlation_id)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events


def actor_labels(actors: Iterable[str]) -> dict[str, str]:
    """Each actor as people read it: ``carla (user:1)`` for a user, a system actor as it is.
    The names are read in one query, however many actors there are; a user who no longer
    exists keeps the bare id (the event still names who it was)."""
    labels = {actor: actor for actor in actors}
    ids = {a.removeprefix("user:"): a for a in labels if a.startswith("user:")}
    user_model = get_user_model()
    named = user_model.objects.filter(pk__in=[i for i in ids if i.isdigit()]).values_list(
        "pk", user_model.USERNAME_FIELD
    )
    for pk, name in named:
        labels[ids[str(pk)]] = f"{name} ({ids[str(pk)]})"
    return labels

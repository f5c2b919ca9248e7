"""Read models kept from events, and their rebuild from the store.

A projection is updated inline by the service that appends (same transaction), and can be
rebuilt at any time by replaying the store through the same ``apply``: the store is the
source of truth, the read model only a cache of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from eventstore.declarations import Registry
from eventstore.store import RecordedEvent, iter_all


@dataclass(frozen=True)
class Projection:
    name: str
    event_types: frozenset[str]
    apply: Callable[[RecordedEvent], None]
    reset: Callable[[], None]


# Declared by the apps as ``projections`` on their AppConfig.
projections: Registry[Projection] = Registry("projection", "projections")


def rebuild_projection(projection: Projection, *, page_size: int = 1000) -> int:
    """Empty the read model and fold every event of its types into it, in one transaction
    (readers see the old model until the new one is complete). Returns the events applied."""
    applied = 0
    with transaction.atomic():
        projection.reset()
        for event in iter_all(page_size=page_size, event_types=projection.event_types):
            projection.apply(event)
            applied += 1
    return applied


def rebuild_projections(names: Iterable[str] | None = None) -> dict[str, int]:
    chosen = [projections.get(n) for n in names] if names else projections.all()
    return {p.name: rebuild_projection(p) for p in chosen}

"""Shapes of the audit trail that every audit view needs: one operation as a causal tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from eventstore.models import Event

T = TypeVar("T")


@dataclass
class CausalNode(Generic[T]):
    item: T
    event: Event
    children: list[CausalNode[T]] = field(default_factory=list)


def causal_tree(items: Iterable[T], event_of=lambda item: item) -> list[CausalNode[T]]:
    """Nests each event under the event that caused it (``metadata.causation_id``); the
    roots were caused by something outside the list (a request, a timer). ``event_of``
    finds the event of an item, for callers that decorate events."""
    nodes = [CausalNode(item=item, event=event_of(item)) for item in items]
    by_id = {str(node.event.event_id): node for node in nodes}
    roots: list[CausalNode[T]] = []
    for node in nodes:
        parent = by_id.get(node.event.metadata.get("causation_id", ""))
        (parent.children if parent is not None else roots).append(node)
    return roots

"""A translator's profile: the language pairs they work in. The queue offers a translator
the open requests into a target language of theirs, from its source language (or from any,
when the customer did not say); a translator who has set no pairs yet is offered all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from eventstore.aggregates import Aggregate
from eventstore.store import NewEvent, RecordedEvent
from translations import events

_NAMESPACE = uuid.UUID("0f3c2a8e-5b7d-4e61-9c1a-7d2e4b6f8a90")
MAX_PAIRS = 400  # as the event's schema allows


def profile_stream(translator_id: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"translator:{translator_id}")


@dataclass(frozen=True, order=True)
class Pair:
    source: str
    target: str


class TranslatorProfile(Aggregate):
    stream_type = events.PROFILE_STREAM_TYPE

    def __init__(self, stream_id: uuid.UUID) -> None:
        super().__init__(stream_id)
        self.pairs: list[Pair] = []

    def set_pairs(self, translator_id: int, pairs: list[Pair]) -> list[NewEvent]:
        chosen = sorted(set(pairs))
        if chosen == self.pairs:
            return []  # nothing changed: nothing to record
        data = {
            "translator_id": translator_id,
            "pairs": [{"source": p.source, "target": p.target} for p in chosen],
        }
        return [NewEvent(events.LANGUAGE_PAIRS_SET.name, data)]

    def apply(self, event: RecordedEvent) -> None:
        if event.event_type == events.LANGUAGE_PAIRS_SET.name:
            self.pairs = [Pair(**pair) for pair in event.data["pairs"]]

    def snapshot_state(self) -> dict[str, Any] | None:
        return None  # replaced whole each time: short streams

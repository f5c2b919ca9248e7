"""The event-type registry: each bounded context registers its event types at start-up.

The event store itself knows no domain event; it asks this registry for a type's JSON Schema
(to validate data on append), its bounded context (to pick the topic) and its upcasters (to
bring old stored data up to the current schema version on read).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from eventstore.exceptions import InvalidEventData, UnknownEventType

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventType:
    """A public contract: names are never renamed or reused; data changes bump the version.

    ``upcasters[n]`` turns data of schema version ``n`` into data of version ``n + 1``.
    """

    name: str
    schema: Mapping[str, Any]
    schema_version: int = 1
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)

    def __post_init__(self) -> None:
        context, _, short = self.name.partition(".")
        if not context or not short:
            raise ValueError(f"event type names look like 'context.EventName', not {self.name!r}")
        missing = [v for v in range(1, self.schema_version) if v not in self.upcasters]
        if missing:
            raise ValueError(f"{self.name}: no upcaster from schema version(s) {missing}")
        Draft202012Validator.check_schema(self.schema)

    @property
    def context(self) -> str:
        """The bounded context that owns the type: the part of its name before the dot."""
        return self.name.partition(".")[0]


class EventTypeRegistry:
    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}
        self._validators: dict[str, Draft202012Validator] = {}

    def register(self, event_type: EventType) -> EventType:
        known = self._types.get(event_type.name)
        if known is not None and known != event_type:
            raise ValueError(f"event type {event_type.name!r} is already registered differently")
        self._types[event_type.name] = event_type
        self._validators[event_type.name] = Draft202012Validator(event_type.schema)
        return event_type

    def unregister(self, name: str) -> None:
        self._types.pop(name, None)
        self._validators.pop(name, None)

    def get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def names(self) -> list[str]:
        return sorted(self._types)

    def validate(self, name: str, data: object) -> EventType:
        event_type = self.get(name)
        errors = sorted(self._validators[name].iter_errors(data), key=lambda e: list(e.path))
        if errors:
            raise InvalidEventData(name, [_describe(e) for e in errors])
        return event_type

    def upcast(self, name: str, schema_version: int, data: dict[str, Any]) -> tuple[int, dict]:
        """Bring stored data up to the type's current schema version (stored rows stay as is)."""
        event_type = self._types.get(name)
        if event_type is None:
            return schema_version, data
        while schema_version < event_type.schema_version:
            data = event_type.upcasters[schema_version](dict(data))
            schema_version += 1
        return schema_version, data


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


registry = EventTypeRegistry()
register = registry.register

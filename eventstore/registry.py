"""The event-type registry: each bounded context declares its event types (``event_types`` on
its ``AppConfig``), collected at start-up.

The event store itself knows no domain event; it asks this registry for a type's JSON Schema
(to validate data on append), its bounded context (to pick the topic) and its upcasters (to
bring old stored data up to the current schema version on read).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

from eventstore.declarations import Registry
from eventstore.exceptions import InvalidEventData, UnknownEventType

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# Names go into the hashed canonical JSON as they are: no character that JSON escapes.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_.]*$")


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
        if not NAME_PATTERN.fullmatch(self.name):
            raise ValueError(
                f"event type names look like 'context.EventName' (letters, digits, _), "
                f"not {self.name!r}"
            )
        missing = [v for v in range(1, self.schema_version) if v not in self.upcasters]
        if missing:
            raise ValueError(f"{self.name}: no upcaster from schema version(s) {missing}")
        try:
            jsonschema_rs.meta.validate(dict(self.schema))
        except jsonschema_rs.ValidationError as exc:
            raise ValueError(f"{self.name}: not a valid JSON Schema: {exc.message}") from None

    @property
    def context(self) -> str:
        """The bounded context that owns the type: the part of its name before the dot."""
        return self.name.partition(".")[0]


class EventTypeRegistry(Registry[EventType]):
    """Event types by name, each with its compiled validator (formats such as ``uuid`` and
    ``date-time`` are checked)."""

    def __init__(self) -> None:
        super().__init__("event type", "event_types")
        self._validators: dict[str, jsonschema_rs.Draft202012Validator] = {}

    def register(self, event_type: EventType) -> EventType:
        super().register(event_type)
        self._validators[event_type.name] = jsonschema_rs.Draft202012Validator(
            dict(event_type.schema), validate_formats=True
        )
        return event_type

    def unregister(self, name: str) -> None:
        super().unregister(name)
        self._validators.pop(name, None)

    def get(self, name: str) -> EventType:
        try:
            return super().get(name)
        except LookupError:
            raise UnknownEventType(name) from None

    def validate(self, name: str, data: object) -> EventType:
        event_type = self.get(name)
        validator = self._validators[name]
        if not validator.is_valid(data):
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.instance_path))
            raise InvalidEventData(name, [_describe(e) for e in errors])
        return event_type

    def upcast(self, name: str, schema_version: int, data: dict[str, Any]) -> tuple[int, dict]:
        """Bring stored data up to the type's current schema version (stored rows stay as is)."""
        if name not in self:
            return schema_version, data
        event_type = self.get(name)
        while schema_version < event_type.schema_version:
            data = event_type.upcasters[schema_version](dict(data))
            schema_version += 1
        return schema_version, data


def _describe(error: jsonschema_rs.ValidationError) -> str:
    where = "/".join(str(p) for p in error.instance_path)
    return f"{where}: {error.message}" if where else error.message


registry = EventTypeRegistry()
register = registry.register

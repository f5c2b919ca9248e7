"""One way for an app to declare what it contributes: attributes of its ``AppConfig``.

An app names, as dotted paths to lists, what it declares::

    class DocumentsConfig(AppConfig):
        event_types = "documents.events.ALL"
        projections = "documents.projections.ALL"
        consumers = "documents.handlers.ALL"

and each registry collects its attribute from every installed app once, at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from django.apps import apps
from django.utils.module_loading import import_string


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Declared things of one kind, by name. A name is a contract: registering a different
    definition under a known name is refused."""

    def __init__(self, kind: str, attribute: str) -> None:
        self.kind, self.attribute = kind, attribute
        self._items: dict[str, T] = {}

    def collect(self) -> None:
        """Registers what every installed app declares under ``attribute``."""
        for item in declared(self.attribute):
            self.register(item)

    def register(self, item: T) -> T:
        known = self._items.get(item.name)
        if known is not None and known != item:
            raise ValueError(f"{self.kind} {item.name!r} is already registered differently")
        self._items[item.name] = item
        return item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise LookupError(f"no {self.kind} named {name!r} (known: {known})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def names(self) -> list[str]:
        return sorted(self._items)

    def all(self) -> list[T]:
        return [self._items[name] for name in self.names()]


def declared(attribute: str) -> Iterator[object]:
    """What the installed apps declare under ``attribute``, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        path = getattr(config, attribute, None)
        if path:
            yield from import_string(path)

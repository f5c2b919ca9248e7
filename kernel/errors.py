"""The one error type of the domain layer (a shared kernel: both contexts use it, it uses
nothing of the project).

A use case refuses with a subclass that says what kind of refusal it is; the API and the
pages map each kind to one HTTP status in one place (``api.errors``), so no view decides it
and no builtin exception (``PermissionError`` is an ``OSError``) is mistaken for one.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A use case refused, for a reason its caller can act on."""


class InvalidInput(ApplicationError):
    """Bad input (400): ``field`` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class NotAllowed(ApplicationError):
    """The caller may see this but may not do that (403)."""


class Conflict(ApplicationError):
    """The current state does not allow the command (409); the message names the state."""

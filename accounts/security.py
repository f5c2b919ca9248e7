"""Recording security events in the audit trail: one stream per user (a fixed one for sign-in
attempts on user names that do not exist), appended after whatever else the stream got."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts import events
from eventstore.context import current_operation, system_actor
from eventstore.exceptions import ConcurrencyError
from eventstore.registry import EventType
from eventstore.store import NewEvent, append, stream_version

_NAMESPACE = uuid.UUID("6b1f5a52-8f7e-4d53-9a43-1b6f0f1e2c8d")
UNKNOWN_USERS = uuid.uuid5(_NAMESPACE, "unknown-users")


@dataclass(frozen=True)
class Client:
    ip: str | None
    user_agent: str


_client: ContextVar[Client | None] = ContextVar("accounts_client", default=None)


def set_client(client: Client | None) -> object:
    return _client.set(client)


def reset_client(token: object) -> None:
    _client.reset(token)  # type: ignore[arg-type]


def current_client() -> dict[str, Any]:
    client = _client.get()
    return {"ip": client.ip if client else None, "user_agent": client.user_agent if client else ""}


def security_stream(user_id: int | None) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"user:{user_id}") if user_id is not None else UNKNOWN_USERS


def record(
    event_type: EventType, *, user_id: int | None, data: dict[str, Any], actor: str | None = None
) -> None:
    """Append one security event to the user's stream. The actor is ``actor``, else the
    current operation's (the admin who changed a user, say), else the accounts system."""
    op = current_operation()
    actor = actor or (op.actor if op is not None and op.actor else system_actor("accounts"))
    stream = security_stream(user_id)
    for _ in range(5):  # another event of the same user may land first: append after it
        try:
            with transaction.atomic():
                append(
                    stream_type=events.STREAM_TYPE, stream_id=stream,
                    expected_version=stream_version(stream),
                    events=[NewEvent(event_type.name, {"user_id": user_id, **data})],
                    actor=actor,
                )  # fmt: skip
            return
        except ConcurrencyError:
            continue

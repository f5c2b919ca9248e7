"""The current operation: who does what, and which user operation it belongs to.

The append API stamps every event with this context, and every log line written inside it
carries its ids, so that all events and log lines of one user operation share a correlation
id, whatever process or queue they pass through.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace

import structlog

ACTOR_PATTERN = re.compile(r"^(user|system):\S+$")
TRACEPARENT_PATTERN = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


@dataclass(frozen=True)
class OperationContext:
    correlation_id: str
    actor: str | None = None
    causation_id: str | None = None
    request_id: str | None = None
    traceparent: str | None = None
    # What a client called the request (its own X-Correlation-ID): kept beside the
    # operation's ids, never in place of them.
    client_reference: str | None = None

    def log_fields(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None and k != "traceparent"}


_current: ContextVar[OperationContext | None] = ContextVar("eventstore_operation", default=None)


def current_operation() -> OperationContext | None:
    return _current.get()


def new_traceparent() -> str:
    """A W3C traceparent that starts a new trace (sampled)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def user_actor(user_id: object) -> str:
    return f"user:{user_id}"


def system_actor(name: str) -> str:
    return f"system:{name}"


@contextmanager
def operation(
    *,
    actor: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    request_id: str | None = None,
    traceparent: str | None = None,
    client_reference: str | None = None,
) -> Iterator[OperationContext]:
    """Run a block as one operation; fields not given are inherited from the enclosing one."""
    if actor is not None and not ACTOR_PATTERN.fullmatch(actor):
        raise ValueError(f"actor must look like 'user:<id>' or 'system:<name>', not {actor!r}")
    if traceparent is not None and not TRACEPARENT_PATTERN.fullmatch(traceparent):
        traceparent = None
    outer = _current.get()
    if outer is None:
        ctx = OperationContext(correlation_id=correlation_id or str(uuid.uuid4()))
    else:
        ctx = replace(outer, correlation_id=correlation_id or outer.correlation_id)
    given = {
        "actor": actor,
        "causation_id": causation_id,
        "request_id": request_id,
        "traceparent": traceparent,
        "client_reference": client_reference,
    }
    ctx = replace(ctx, **{k: v for k, v in given.items() if v is not None})
    token = _current.set(ctx)
    try:
        # Log lines written inside the operation carry its ids, and Celery tasks queued
        # from it carry them on (django-structlog copies the bound context into the task).
        with structlog.contextvars.bound_contextvars(**ctx.log_fields()):
            yield ctx
    finally:
        _current.reset(token)


def identify(actor: str) -> None:
    """Names the actor of the current operation once it is known: DRF authenticates (a token,
    say) inside the view, after the middleware opened the request's operation. The
    operation's exit still restores what was there before it."""
    if not ACTOR_PATTERN.fullmatch(actor):
        raise ValueError(f"actor must look like 'user:<id>' or 'system:<name>', not {actor!r}")
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("identify() needs an operation to name the actor of")
    _current.set(replace(ctx, actor=actor))
    structlog.contextvars.bind_contextvars(actor=actor)

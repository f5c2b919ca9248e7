"""Every HTTP request is one operation: its events share a correlation id."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from eventstore.context import current_operation, operation, user_actor

CORRELATION_HEADER = "X-Correlation-ID"
REQUEST_ID_HEADER = "X-Request-ID"


_REFERENCE = re.compile(r"[A-Za-z0-9._:/-]{1,100}")


def _reference_or_none(value: str | None) -> str | None:
    return value if value and _REFERENCE.fullmatch(value) else None


def _uuid_or_none(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


class OperationContextMiddleware:
    """Opens an operation per request, with a correlation id of its own: a client's
    ``X-Correlation-ID`` is kept as the operation's ``client_reference`` (so a client can
    find its calls again) but never becomes its correlation id, which would let one user's
    events join another user's operation. The W3C ``traceparent`` header is carried on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _uuid_or_none(request.headers.get(REQUEST_ID_HEADER)) or str(uuid.uuid4())
        user = getattr(request, "user", None)
        actor = user_actor(user.pk) if user is not None and user.is_authenticated else None
        with operation(
            actor=actor,
            client_reference=_reference_or_none(request.headers.get(CORRELATION_HEADER)),
            causation_id=request_id,
            request_id=request_id,
            traceparent=request.headers.get("traceparent"),
        ) as ctx:
            response = self.get_response(request)
        response[CORRELATION_HEADER] = ctx.correlation_id
        response[REQUEST_ID_HEADER] = request_id
        return response


def bind_operation_to_request_logs(**_kwargs: object) -> None:
    """django-structlog binds a request id of its own when a request starts; the request's
    log lines should carry the operation's ids instead (receiver of its
    ``bind_extra_request_metadata`` signal)."""
    ctx = current_operation()
    if ctx is not None:
        structlog.contextvars.bind_contextvars(**ctx.log_fields())

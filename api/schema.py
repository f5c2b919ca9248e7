"""The OpenAPI schema tells the truth about failures too: every operation lists the error
answers it can give, with their JSON body, and the ``Idempotency-Key`` header where a POST
takes one. Generated clients and schemathesis (``api/tests/test_schema_fuzz.py``) rely on it."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes

from api import idempotency

MESSAGES = {"type": "array", "items": {"type": "string"}}

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "What went wrong: ``detail`` in words, or the fields to fix, each "
        "with its messages (a list field's by the index of the item to fix).",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {
            "anyOf": [
                MESSAGES,
                {"type": "object", "additionalProperties": MESSAGES},
            ]
        },
    },
)

IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "a key of the caller's choice: a retry with the same key and request "
    "returns the first answer and does nothing again",
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "seconds to wait before asking again",
    }
}

DESCRIPTIONS = {
    400: "the input is not valid: the answer names what to fix",
    401: "no valid credentials",
    403: "not allowed for this user",
    404: "nothing with that id that this user may see",
    409: "the resource's state does not allow the action now",
    415: "a body in a media type the operation does not read",
    422: "the Idempotency-Key was used before with another request",
    429: "too many requests: wait as Retry-After says",
    503: "no checkpoint has been sealed yet: ask again as Retry-After says",
}


def file_responses() -> dict:
    """A download's answer: the file, in the content type recorded with it (one of the
    accepted types), or ``application/octet-stream`` when none was recorded."""
    types = {*settings.DOCUMENTS_ALLOWED_TYPES.values(), "application/octet-stream"}
    return {(200, content_type): OpenApiTypes.BINARY for content_type in sorted(types)}


class ApiSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry) -> dict | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.setdefault("parameters", [])
        idempotent = getattr(getattr(self.view, method.lower(), None), idempotency.MARK, False)
        if idempotent:
            parameters.append(IDEMPOTENCY_KEY)
        # A view names the statuses that its method's parameters do not tell.
        codes = {401, 403, 429, *getattr(self.view, "error_statuses", {}).get(method, ())}
        if any(p["in"] == "path" for p in parameters):
            codes.add(404)
        if any(p["in"] in ("query", "header") for p in parameters):
            codes.add(400)
        if method in ("POST", "PUT"):
            codes |= {400, 409, 415}
        if idempotent:
            codes.add(422)
        registry.register_on_missing(ERROR)
        for code in sorted(codes):
            response = {
                "description": DESCRIPTIONS[code],
                "content": {"application/json": {"schema": ERROR.ref}},
            }
            if code in (429, 503):
                response["headers"] = RETRY_AFTER
            operation["responses"].setdefault(str(code), response)
        return operation

"""``Idempotency-Key`` on POST: a retry with the same key returns the first response and
does nothing else."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MARK = "idempotent"  # on a wrapped handler: the schema documents the header and the 422


def idempotent(handler):
    """Wraps a view's ``post``: the action and the record of its response commit together.
    A concurrent retry with the same key waits on the key's unique index until the first
    commits, then replays it; an action that fails records nothing, so it may be retried."""

    @functools.wraps(handler)
    def post(view, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not 1 <= len(key) <= 255:
            return Response(
                {"detail": f"{HEADER} must be 1 to 255 characters"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, path=request.path,
                        fingerprint=fingerprint(request), status_code=0, body={},
                    )  # fmt: skip
            except IntegrityError:
                return _replay(request, key)
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)  # only a success is kept, and replayed
                return response
            record.status_code = response.status_code
            record.body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.save(update_fields=["status_code", "body"])
        return response

    setattr(post, MARK, True)
    return post


def fingerprint(request: Request) -> str:
    """What makes two requests the same request: the path, the fields and the files'
    content (not the multipart boundary, which differs between retries)."""
    data = request.data
    if hasattr(data, "getlist"):  # a form: each field's values
        fields: Any = {name: data.getlist(name) for name in data}
    else:  # JSON: any value, also one the serializer will refuse (a list, a number)
        fields = data
    files: dict[str, str] = {}
    for name, upload in request.FILES.items():
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        files[name] = digest.hexdigest()
        fields.pop(name, None)
    content = {"path": request.path, "fields": fields, "files": files}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _replay(request: Request, key: str) -> Response:
    record = IdempotencyRecord.objects.get(user=request.user, key=key)
    if record.path != request.path:
        return Response(
            {"detail": f"this {HEADER} was already used for {record.path}; use a new key"},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if record.fingerprint and record.fingerprint != fingerprint(request):
        return Response(
            {"detail": f"this {HEADER} was already used with a different request body; "
                       "use a new key for a new request"},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )  # fmt: skip
    return Response(record.body, status=record.status_code, headers={REPLAYED_HEADER: "true"})

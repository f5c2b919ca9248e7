"""Domain errors as HTTP answers: bad input 400 with the field to fix, a state that does not
allow the action 409 naming the state, never a 500 for something the caller can fix."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from documents.models import DocumentView
from eventstore.bundles import NothingSealed, TreeDamaged
from eventstore.exceptions import ConcurrencyError
from kernel.errors import Conflict, InvalidInput, NotAllowed
from translations.models import RequestView

logger = logging.getLogger(__name__)


def handle_exception(exc: Exception, context: dict) -> Response | None:
    match exc:
        case Http404():
            # Not the lookup's words ("No DocumentView matches..."): nothing internal.
            return Response({"detail": "not found"}, status=status.HTTP_404_NOT_FOUND)
        case RequestDataTooBig():
            # A client's mistake: a JSON answer, and no error-level log of it.
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return Response(
                {"detail": f"the request body is larger than the limit of {limit} bytes "
                           "(files go in a multipart upload)"},
                status=status.HTTP_400_BAD_REQUEST,
            )  # fmt: skip
        case InvalidInput():
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        case NotAllowed():
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        case Conflict():
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        case ConcurrencyError():
            return Response(
                {"detail": f"{_describe(exc)} was changed by another action at the same time; "
                           "reload it and try again if it still makes sense"},
                status=status.HTTP_409_CONFLICT,
            )  # fmt: skip
        case NothingSealed():
            # Sealing runs every few seconds: worth asking again soon.
            return Response(
                {"detail": str(exc)},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "5"},
            )
        case TreeDamaged():
            logger.error("audit tree damaged: %s", exc)
            return Response(
                {"detail": f"the audit log cannot prove this: {exc}; staff must run "
                           "verify_events"},
                status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )  # fmt: skip
        case IntegrityError():
            return Response(
                {"detail": "this conflicts with a change made at the same time; try again"},
                status=status.HTTP_409_CONFLICT,
            )
    return exception_handler(exc, context)


def _describe(exc: ConcurrencyError) -> str:
    request = RequestView.objects.filter(pk=exc.stream_id).first()
    if request is not None:
        return f"the translation request (now {request.status})"
    document = DocumentView.objects.filter(pk=exc.stream_id).first()
    if document is not None:
        state = "locked" if document.is_locked else "unlocked"
        return f"the document (now {state}, at revision {document.latest_revision})"
    return "it"

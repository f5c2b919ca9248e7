"""Domain errors as HTTP answers: bad input 400 with the field to fix, a state that does not
allow the action 409 naming the state, never a 500 for something the caller can fix."""

from __future__ import annotations

import logging

from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from documents.aggregate import DocumentError
from documents.models import DocumentView
from documents.services import InvalidUpload
from eventstore.bundles import NothingSealed, TreeDamaged
from eventstore.exceptions import ConcurrencyError
from translations.aggregate import TransitionError
from translations.models import RequestView
from translations.services import InvalidRequest

logger = logging.getLogger(__name__)


def handle_exception(exc: Exception, context: dict) -> Response | None:
    match exc:
        case InvalidUpload():
            return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        case InvalidRequest():
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        case DocumentError() | TransitionError():
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        case ConcurrencyError():
            return Response(
                {"detail": f"{_describe(exc)} was changed by another action at the same time; "
                           "reload it and try again if it still makes sense"},
                status=status.HTTP_409_CONFLICT,
            )  # fmt: skip
        case PermissionError():
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
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

"""``/api/translation-requests/``: submit, list, read, cancel, accept, deliver."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api import access, composition
from api.idempotency import idempotent
from api.schema import file_responses
from api.serializers import (
    ChangesInput,
    DeliverInput,
    ReasonInput,
    ReleaseInput,
    RequestFilterInput,
    RequestOutput,
    RequestSubmitInput,
)
from api.views.base import OperationView, validated_query
from blobstore.content import download
from translations import services


class RequestList(OperationView):
    serializer_class = RequestOutput
    # JSON only: a form has no way to say that the deadline is null.
    parser_classes = [JSONParser]
    error_statuses = {"POST": (status.HTTP_404_NOT_FOUND,)}  # the document to translate

    def get_queryset(self):
        requests = access.visible_requests(self.request.user).prefetch_related("deliveries")
        if document := validated_query(RequestFilterInput, self.request).get("document"):
            requests = requests.filter(document_id=document)
        return requests

    @extend_schema(
        operation_id="translation_requests_list",
        responses=RequestOutput(many=True),
        parameters=[RequestFilterInput],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RequestOutput(page, many=True).data)

    @extend_schema(request=RequestSubmitInput, responses={201: RequestOutput})
    @idempotent
    def post(self, request: Request) -> Response:
        """Submit a document revision for translation; the answer (the document locked, or
        the request rejected with the reason) follows as the request's status."""
        given = RequestSubmitInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        [created] = composition.translation_requests(
            user=request.user,
            document_id=data["document"],
            revision=data.get("revision"),
            target_languages=[data["target_language"]],
            deadline=data["deadline"],
            note=data["note"],
            field="target_language",
        )
        return Response(RequestOutput(created).data, status=status.HTTP_201_CREATED)


class RequestDetail(OperationView):
    serializer_class = RequestOutput

    def get(self, request: Request, request_id: uuid.UUID) -> Response:
        return Response(RequestOutput(access.visible_request(request.user, request_id)).data)


class RequestCancel(OperationView):
    serializer_class = RequestOutput

    @extend_schema(request=None, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.submitted_request(request.user, request_id)
        return Response(
            RequestOutput(services.translation_request_cancel(request_id=found.pk)).data
        )


class RequestAccept(OperationView):
    serializer_class = RequestOutput

    @extend_schema(request=None, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.visible_request(request.user, request_id)
        if not access.is_translator(request.user):
            raise PermissionDenied("only translators accept requests")
        accepted = services.translation_request_accept(
            request_id=found.pk, translator_id=request.user.pk
        )
        return Response(RequestOutput(accepted).data)


class RequestDeliver(OperationView):
    serializer_class = RequestOutput
    parser_classes = [MultiPartParser]

    @extend_schema(request=DeliverInput, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.visible_request(request.user, request_id)
        if found.translator_id != request.user.pk:
            raise PermissionDenied("only the translator who accepted the request can deliver it")
        given = DeliverInput(data=request.data)
        given.is_valid(raise_exception=True)
        delivered = services.translation_request_deliver(
            request_id=found.pk, translator_id=request.user.pk, file=given.validated_data["file"]
        )
        return Response(RequestOutput(delivered).data)


class RequestDecline(OperationView):
    """A translator passes on an open request: it stays open for the others and is no
    longer offered to them."""

    serializer_class = RequestOutput

    @extend_schema(request=ReasonInput, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.translator_request(request.user, request_id)
        given = ReasonInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.translation_request_decline(
            request_id=found.pk, translator_id=request.user.pk, **given.validated_data
        )
        # Declined: the request may no longer be this translator's to see; the answer is
        # what it was when they declined it, with its status now.
        found.refresh_from_db()
        return Response(RequestOutput(found).data)


class RequestRelease(OperationView):
    """The accepting translator gives the work back with a reason: open again."""

    serializer_class = RequestOutput

    @extend_schema(request=ReleaseInput, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.translator_request(request.user, request_id)
        given = ReleaseInput(data=request.data)
        given.is_valid(raise_exception=True)
        released = services.translation_request_release(
            request_id=found.pk, translator_id=request.user.pk, **given.validated_data
        )
        return Response(RequestOutput(released).data)


class RequestApprove(OperationView):
    """The customer approves the latest delivery: the request is completed."""

    serializer_class = RequestOutput

    @extend_schema(request=None, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.submitted_request(request.user, request_id, "approve a delivery")
        return Response(
            RequestOutput(services.translation_request_approve(request_id=found.pk)).data
        )


class RequestChanges(OperationView):
    """The customer sends the latest delivery back to the translator with a comment."""

    serializer_class = RequestOutput

    @extend_schema(request=ChangesInput, responses={200: RequestOutput})
    @idempotent
    def post(self, request: Request, request_id: uuid.UUID) -> Response:
        found = access.submitted_request(request.user, request_id, "ask for changes")
        given = ChangesInput(data=request.data)
        given.is_valid(raise_exception=True)
        changed = services.translation_request_request_changes(
            request_id=found.pk, **given.validated_data
        )
        return Response(RequestOutput(changed).data)


class RequestTranslationFile(OperationView):
    @extend_schema(responses=file_responses())
    def get(self, request: Request, request_id: uuid.UUID) -> FileResponse:
        found = access.visible_request(request.user, request_id)
        if not found.translated_sha256:
            raise Http404("nothing delivered yet")
        name = found.translated_filename or f"{found.pk}-{found.target_language}"
        return download(found.translated_sha256, name, _content_type(name))


class DeliveryFile(OperationView):
    """One delivery of the request's translation, by its number."""

    @extend_schema(responses=file_responses())
    def get(self, request: Request, request_id: uuid.UUID, number: int) -> FileResponse:
        found = access.visible_request(request.user, request_id)
        delivery = found.deliveries.filter(number=number).first()
        if delivery is None:
            raise Http404("no such delivery")
        name = delivery.filename or f"{found.pk}-{found.target_language}-{number}"
        return download(delivery.sha256, name, _content_type(name))


def _content_type(name: str) -> str | None:
    # Delivered files were checked against the accepted types: their extension says it.
    return settings.DOCUMENTS_ALLOWED_TYPES.get(PurePath(name).suffix.lower())

"""``/api/documents/``: upload, list, read, new revisions, files and the audit history."""

from __future__ import annotations

import uuid

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
    DocumentDetailOutput,
    DocumentOutput,
    DocumentUploadInput,
    EventOutput,
    RevisionOutput,
    RevisionUploadInput,
    SubmissionInput,
    SubmissionOutput,
)
from api.views.base import InLogOrder, OperationView
from blobstore.content import download
from documents import selectors, services


class DocumentList(OperationView):
    parser_classes = [MultiPartParser]
    serializer_class = DocumentOutput

    def get_queryset(self):
        return access.visible_documents(self.request.user)

    @extend_schema(operation_id="documents_list", responses=DocumentOutput(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DocumentOutput(page, many=True).data)

    @extend_schema(request=DocumentUploadInput, responses={201: DocumentDetailOutput})
    @idempotent
    def post(self, request: Request) -> Response:
        if not access.is_customer(request.user):
            raise PermissionDenied("only customers upload documents")
        given = DocumentUploadInput(data=request.data)
        given.is_valid(raise_exception=True)
        document = services.document_upload(owner_id=request.user.pk, **given.validated_data)
        return Response(DocumentDetailOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentDetail(OperationView):
    serializer_class = DocumentDetailOutput

    def get(self, request: Request, document_id: uuid.UUID) -> Response:
        return Response(
            DocumentDetailOutput(access.visible_document(request.user, document_id)).data
        )


class RevisionList(OperationView):
    parser_classes = [MultiPartParser]
    serializer_class = RevisionOutput
    pagination_class = None  # a document has few revisions: all of them, oldest first

    @extend_schema(responses=RevisionOutput(many=True))
    def get(self, request: Request, document_id: uuid.UUID) -> Response:
        document = access.visible_document(request.user, document_id)
        return Response(RevisionOutput(document.revisions.all(), many=True).data)

    @extend_schema(request=RevisionUploadInput, responses={201: DocumentDetailOutput})
    @idempotent
    def post(self, request: Request, document_id: uuid.UUID) -> Response:
        access.owned_document(request.user, document_id)
        given = RevisionUploadInput(data=request.data)
        given.is_valid(raise_exception=True)
        document = services.document_revision_upload(
            document_id=document_id, file=given.validated_data["file"]
        )
        return Response(DocumentDetailOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentSubmission(OperationView):
    """Submit a revision for translation into several languages at once: one request per
    language, in one operation. Each answer (the document's lock held, or the request
    rejected with the reason) follows as that request's status."""

    serializer_class = SubmissionOutput
    parser_classes = [JSONParser]
    error_statuses = {"POST": (status.HTTP_404_NOT_FOUND,)}

    @extend_schema(request=SubmissionInput, responses={201: SubmissionOutput})
    @idempotent
    def post(self, request: Request, document_id: uuid.UUID) -> Response:
        given = SubmissionInput(data=request.data)
        given.is_valid(raise_exception=True)
        created = composition.translation_requests(
            user=request.user, document_id=document_id, **given.validated_data
        )
        return Response(
            SubmissionOutput({"requests": created}).data, status=status.HTTP_201_CREATED
        )


class RevisionFile(OperationView):
    @extend_schema(responses=file_responses())
    def get(self, request: Request, document_id: uuid.UUID, revision: int) -> FileResponse:
        if not access.may_read_revision(request.user, document_id, revision):
            raise Http404
        found = selectors.revision(document_id, revision)
        if found is None:
            raise Http404
        return download(found.sha256, found.filename, found.content_type)


class DocumentHistory(OperationView):
    """The document's events and those of its translation requests, in the order they
    happened, with their correlation and causation ids."""

    serializer_class = EventOutput
    pagination_class = InLogOrder

    @extend_schema(responses=EventOutput(many=True))
    def get(self, request: Request, document_id: uuid.UUID) -> Response:
        document = access.visible_document(request.user, document_id)
        page = self.paginate_queryset(composition.document_history(document.pk))
        return self.get_paginated_response(EventOutput(page, many=True).data)

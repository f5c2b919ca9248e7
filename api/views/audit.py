"""Proofs that the audit trail is whole: a document's events with inclusion proofs, the
latest signed checkpoint, and consistency proofs between checkpoints (RFC 9162)."""

from __future__ import annotations

import base64
import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import access, composition
from api.serializers import (
    AuditBundleOutput,
    CheckpointOutput,
    ConsistencyInput,
    ConsistencyOutput,
    ProofInput,
)
from api.views.base import OperationView, validated_query
from eventstore import bundles
from eventstore.signing import trusted_verifiers


class DocumentProof(OperationView):
    """The document's events as stored, each sealed one with its inclusion proof against the
    latest checkpoint: an audit bundle that ``python -m eventstore.verify_bundle`` checks
    offline. For the document's owner and staff."""

    error_statuses = {"GET": (status.HTTP_503_SERVICE_UNAVAILABLE,)}  # before the first seal
    serializer_class = AuditBundleOutput
    pagination_class = None

    @extend_schema(parameters=[ProofInput], responses=AuditBundleOutput)
    def get(self, request: Request, document_id: uuid.UUID) -> Response:
        document = access.visible_document(request.user, document_id)
        params = validated_query(ProofInput, request)
        try:
            bundle = bundles.audit_bundle(
                composition.document_streams(document.pk), since=params.get("since")
            )
        except ValueError as exc:
            raise ValidationError({"since": [str(exc)]}) from None
        return Response(bundle)


class LatestCheckpoint(OperationView):
    """The latest signed checkpoint and the public keys to check it with."""

    error_statuses = {"GET": (status.HTTP_503_SERVICE_UNAVAILABLE,)}  # before the first seal
    serializer_class = CheckpointOutput
    pagination_class = None

    def get(self, request: Request) -> Response:
        checkpoint = bundles.latest_checkpoint()
        return Response(
            CheckpointOutput(
                {
                    "tree_size": checkpoint.tree_size,
                    "root_hash": base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode(),
                    "sealed_at": checkpoint.sealed_at,
                    "key_id": checkpoint.key_id,
                    "note": checkpoint.note,
                    "public_keys": [v.vkey for v in trusted_verifiers()],
                }
            ).data
        )


class CheckpointConsistency(OperationView):
    """The proof that the tree of ``to`` events extends the tree of ``from`` events."""

    error_statuses = {"GET": (status.HTTP_503_SERVICE_UNAVAILABLE,)}  # before the first seal
    serializer_class = ConsistencyOutput
    pagination_class = None

    @extend_schema(parameters=[ConsistencyInput], responses=ConsistencyOutput)
    def get(self, request: Request) -> Response:
        params = validated_query(ConsistencyInput, request)
        try:
            proof = bundles.consistency(params["from"], params.get("to"))
        except ValueError as exc:
            raise ValidationError({"from": [str(exc)]}) from None
        return Response(proof)

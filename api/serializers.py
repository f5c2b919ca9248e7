"""What the API reads and writes: small input serializers that validate, output serializers
that describe the read models."""

from __future__ import annotations

from rest_framework import serializers

from documents.models import DocumentView, RevisionView
from eventstore.models import Event
from translations.models import RequestView


class DocumentUploadInput(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    file = serializers.FileField(allow_empty_file=True)  # the service says why it is empty


class RevisionUploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class RevisionOutput(serializers.ModelSerializer):
    class Meta:
        model = RevisionView
        fields = ["revision", "filename", "sha256", "size", "content_type", "uploaded_at"]


class RequestOutput(serializers.ModelSerializer):
    document = serializers.UUIDField(source="document_id")
    customer = serializers.IntegerField(source="customer_id")
    translator = serializers.IntegerField(source="translator_id", allow_null=True)

    class Meta:
        model = RequestView
        fields = [
            "id", "document", "revision", "source_sha256", "customer", "target_language",
            "deadline", "note", "status", "reason", "translator", "translated_sha256",
            "translated_filename", "translated_size", "created_at", "updated_at",
        ]  # fmt: skip


class DocumentOutput(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id")
    locked = serializers.BooleanField(source="is_locked")
    locked_by_request = serializers.UUIDField(allow_null=True)

    class Meta:
        model = DocumentView
        fields = [
            "id", "title", "owner", "latest_revision", "locked", "locked_by_request",
            "created_at", "updated_at",
        ]  # fmt: skip


class DocumentDetailOutput(DocumentOutput):
    revisions = RevisionOutput(many=True)

    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "revisions"]


class RequestSubmitInput(serializers.Serializer):
    document = serializers.UUIDField()
    revision = serializers.IntegerField(
        min_value=1, required=False, help_text="defaults to the latest revision"
    )
    target_language = serializers.CharField(max_length=35)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class DeliverInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class EventOutput(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "position", "event_id", "stream_type", "stream_id", "version", "event_type",
            "schema_version", "occurred_at", "data", "metadata", "prev_hash", "hash",
        ]  # fmt: skip


class EventFilterInput(serializers.Serializer):
    event_type = serializers.CharField(required=False)
    stream_type = serializers.CharField(required=False)
    stream_id = serializers.UUIDField(required=False)
    actor = serializers.CharField(required=False)
    correlation_id = serializers.CharField(required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

"""What the API reads and writes: small input serializers that validate, output serializers
that describe the read models."""

from __future__ import annotations

from rest_framework import serializers

from documents.models import DocumentView, RevisionView
from eventstore.models import Event
from kernel.languages import language_codes
from translations.models import DeliveryView, RequestView


class DocumentUploadInput(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    language = serializers.CharField(
        max_length=35, required=False, allow_blank=True, default="",
        help_text="the language the document is in, e.g. en (translators choose by it)",
    )  # fmt: skip
    file = serializers.FileField(allow_empty_file=True)  # the service says why it is empty


class RevisionUploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class RevisionOutput(serializers.ModelSerializer):
    class Meta:
        model = RevisionView
        fields = [
            "revision", "filename", "sha256", "size", "content_type", "word_count", "uploaded_at",
        ]  # fmt: skip


class DeliveryOutput(serializers.ModelSerializer):
    translator = serializers.IntegerField(source="translator_id")

    class Meta:
        model = DeliveryView
        fields = ["number", "translator", "sha256", "filename", "size", "delivered_at"]


class RequestOutput(serializers.ModelSerializer):
    document = serializers.UUIDField(source="document_id")
    customer = serializers.IntegerField(source="customer_id")
    translator = serializers.IntegerField(source="translator_id", allow_null=True)
    deliveries = DeliveryOutput(many=True, help_text="every delivery, the latest last")

    class Meta:
        model = RequestView
        fields = [
            "id", "document", "revision", "source_sha256", "word_count", "customer",
            "source_language", "target_language", "deadline", "note", "status", "reason",
            "review_comment", "translator", "translated_sha256", "translated_filename",
            "translated_size", "delivered_at", "deliveries", "created_at", "updated_at",
        ]  # fmt: skip


class DocumentOutput(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id")
    locked = serializers.BooleanField(source="is_locked")
    locked_revision = serializers.IntegerField(
        allow_null=True, help_text="the revision being translated while locked"
    )
    locked_by_requests = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="the translation requests in progress that hold the document locked",
    )
    locked_by_request = serializers.UUIDField(
        allow_null=True, help_text="the first of locked_by_requests (for older clients)"
    )

    class Meta:
        model = DocumentView
        fields = [
            "id", "title", "language", "owner", "latest_revision", "locked", "locked_revision",
            "locked_by_requests", "locked_by_request", "created_at", "updated_at",
        ]  # fmt: skip


class DocumentDetailOutput(DocumentOutput):
    revisions = RevisionOutput(many=True)

    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "revisions"]


class SubmissionInput(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=1, required=False, help_text="defaults to the latest revision"
    )
    target_languages = serializers.ListField(
        child=serializers.CharField(max_length=35), min_length=1, max_length=50,
        help_text="a request is made for each language",
    )  # fmt: skip
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SubmissionOutput(serializers.Serializer):
    requests = RequestOutput(many=True)


class RequestSubmitInput(serializers.Serializer):
    document = serializers.UUIDField()
    revision = serializers.IntegerField(
        min_value=1, required=False, help_text="defaults to the latest revision"
    )
    target_language = serializers.CharField(max_length=35)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text='send it as "Authorization: Token <token>"')


class RequestFilterInput(serializers.Serializer):
    document = serializers.UUIDField(required=False, help_text="its document")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReleaseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="why the work is given back")


class ChangesInput(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, help_text="what should be changed")


class LanguagePairOutput(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()


class LanguagesOutput(serializers.Serializer):
    pairs = LanguagePairOutput(many=True)


LANGUAGE_CODES = sorted(language_codes())  # one enum in the schema: LanguageCodeEnum


class LanguagesInput(serializers.Serializer):
    sources = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES), max_length=100
    )
    targets = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES), max_length=100
    )


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


# --- Audit proofs (eventstore.bundles; checked offline by eventstore.verify_bundle) --------


class ProvenEventOutput(serializers.Serializer):
    position = serializers.IntegerField()
    stream_id = serializers.UUIDField()
    version = serializers.IntegerField()
    event_type = serializers.CharField()
    content = serializers.CharField(help_text="the canonical JSON (RFC 8785) that was hashed")
    prev_hash = serializers.CharField()
    hash = serializers.CharField(help_text="sha256 hex of prev_hash, a newline and content")
    leaf_index = serializers.IntegerField(
        allow_null=True, help_text="the event's leaf in the checkpoint's tree; null: not sealed yet"
    )
    inclusion_proof = serializers.ListField(
        child=serializers.CharField(), allow_null=True,
        help_text="RFC 9162 inclusion proof, base64 hashes from the leaf upwards",
    )  # fmt: skip


class ConsistencyEntryOutput(serializers.Serializer):
    from_size = serializers.IntegerField()
    proof = serializers.ListField(child=serializers.CharField())


class AuditBundleOutput(serializers.Serializer):
    format = serializers.CharField()
    origin = serializers.CharField(help_text="the log's name, as in its checkpoints")
    checkpoint = serializers.CharField(help_text="the latest checkpoint, a C2SP signed note")
    public_keys = serializers.ListField(
        child=serializers.CharField(), help_text="the log's verifier keys (name+id+key)"
    )
    events = ProvenEventOutput(many=True)
    consistency = ConsistencyEntryOutput(many=True, required=False)


class ProofInput(serializers.Serializer):
    since = serializers.IntegerField(
        min_value=1, required=False,
        help_text="add the consistency proof from this tree size (a checkpoint you kept)",
    )  # fmt: skip


class CheckpointOutput(serializers.Serializer):
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField(help_text="base64, as in the note")
    sealed_at = serializers.DateTimeField()
    key_id = serializers.CharField()
    note = serializers.CharField(help_text="the checkpoint as a C2SP signed note")
    public_keys = serializers.ListField(child=serializers.CharField())


class ConsistencyInput(serializers.Serializer):
    to = serializers.IntegerField(
        min_value=1, required=False, help_text="the newer tree size (default: the latest)"
    )
    # "from" is a Python keyword: declared through the class namespace.
    locals()["from"] = serializers.IntegerField(min_value=1, help_text="the older tree size")


class ConsistencyOutput(serializers.Serializer):
    to = serializers.IntegerField()
    proof = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 9162 consistency proof, base64 hashes"
    )
    locals()["from"] = serializers.IntegerField()

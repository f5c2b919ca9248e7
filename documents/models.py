"""Read models of the documents context: projections of the document streams, rebuildable
from the event store (``manage.py rebuild_projections documents.documents``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DocumentView(models.Model):
    id = models.UUIDField(primary_key=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(max_length=255)
    latest_revision = models.PositiveIntegerField()
    locked_by_request = models.UUIDField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(help_text="the stream version this row reflects")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "document"

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.locked_by_request is not None


class RevisionView(models.Model):
    document = models.ForeignKey(DocumentView, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=255)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["document", "revision"], name="one_row_per_revision")
        ]
        verbose_name = "revision"

    def __str__(self) -> str:
        return f"{self.document_id} r{self.revision}"

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
    language = models.CharField(max_length=35, blank=True, help_text="the language it is in")
    latest_revision = models.PositiveIntegerField()
    locked_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="the revision being translated while locked"
    )
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
        return self.locked_revision is not None

    @property
    def locked_by_requests(self) -> list:
        return [lock.request_id for lock in self.locks.all()]  # .all(): prefetched in lists

    @property
    def locked_by_request(self):
        """The first of ``locked_by_requests`` (what the API showed when one request held
        the lock)."""
        return next(iter(self.locked_by_requests), None)


class LockView(models.Model):
    """One translation request holding its document locked."""

    document = models.ForeignKey(DocumentView, on_delete=models.CASCADE, related_name="locks")
    request_id = models.UUIDField(unique=True)
    revision = models.PositiveIntegerField()
    target_language = models.CharField(max_length=35, blank=True)
    locked_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "locked_at", "request_id"]
        verbose_name = "lock"

    def __str__(self) -> str:
        return f"{self.document_id} r{self.revision} {self.target_language} {self.request_id}"


class RevisionView(models.Model):
    document = models.ForeignKey(DocumentView, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=255)
    word_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="none for formats without a reader (PDF, RTF)"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["document", "revision"], name="one_row_per_revision")
        ]
        verbose_name = "revision"

    def __str__(self) -> str:
        return f"{self.document_id} r{self.revision}"

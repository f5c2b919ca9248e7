"""Read model of the translations context: a projection of the request streams, rebuildable
from the event store (``manage.py rebuild_projections translations.requests``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from translations.aggregate import STATUSES


class RequestView(models.Model):
    id = models.UUIDField(primary_key=True)
    document_id = models.UUIDField(db_index=True)
    revision = models.PositiveIntegerField()
    source_sha256 = models.CharField(max_length=64)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="translation_requests"
    )
    target_language = models.CharField(max_length=35, db_index=True)
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], db_index=True)
    reason = models.TextField(blank=True, help_text="why it was rejected, cancelled or expired")
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accepted_translations",
    )
    translated_sha256 = models.CharField(max_length=64, blank=True)
    translated_filename = models.CharField(max_length=255, blank=True)
    translated_size = models.PositiveBigIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(help_text="the stream version this row reflects")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "translation request"

    def __str__(self) -> str:
        return f"{self.document_id} r{self.revision} → {self.target_language} ({self.status})"

"""Read model of the translations context: a projection of the request streams, rebuildable
from the event store (``manage.py rebuild_projections translations.requests``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kernel.languages import language_name
from translations.aggregate import FINAL, STATUSES


class RequestView(models.Model):
    id = models.UUIDField(primary_key=True)
    document_id = models.UUIDField(db_index=True)
    document_title = models.CharField(
        max_length=255, blank=True, help_text="the document's title when the request was made"
    )
    revision = models.PositiveIntegerField()
    source_sha256 = models.CharField(max_length=64)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="translation_requests"
    )
    source_language = models.CharField(
        max_length=35, blank=True, help_text="the document's language, if its customer said"
    )
    target_language = models.CharField(max_length=35, db_index=True)
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    note = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="the source revision's words, where counted"
    )
    status = models.CharField(
        max_length=20, choices=[(s, s.replace("_", " ")) for s in STATUSES], db_index=True
    )
    reason = models.TextField(
        blank=True, help_text="why it was rejected, cancelled, expired or released"
    )
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
    delivered_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="when the latest delivery was made"
    )
    review_comment = models.TextField(blank=True, help_text="the changes the customer asked for")
    version = models.PositiveIntegerField(help_text="the stream version this row reflects")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "translation request"

    def __str__(self) -> str:
        return f"{self.document_id} r{self.revision} → {self.target_language} ({self.status})"

    @property
    def target_language_name(self) -> str:
        return language_name(self.target_language)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


class DeliveryView(models.Model):
    """One delivery of a request's translation; all of them are kept."""

    request = models.ForeignKey(RequestView, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveIntegerField()
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deliveries"
    )
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField()

    class Meta:
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="one_row_per_delivery")
        ]
        verbose_name = "delivery"

    def __str__(self) -> str:
        return f"{self.request_id} delivery {self.number}"


class DeclineView(models.Model):
    """A translator who declined an open request: it is not offered to them again."""

    request = models.ForeignKey(RequestView, on_delete=models.CASCADE, related_name="declines")
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declined_requests"
    )
    reason = models.TextField(blank=True)
    declined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "translator"], name="one_decline_each")
        ]
        verbose_name = "decline"

    def __str__(self) -> str:
        return f"{self.request_id} declined by {self.translator_id}"


class LanguagePairView(models.Model):
    """One language pair a translator works in (a projection of their profile)."""

    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_pairs"
    )
    source = models.CharField(max_length=35)
    target = models.CharField(max_length=35)

    class Meta:
        ordering = ["translator", "source", "target"]
        constraints = [
            models.UniqueConstraint(fields=["translator", "source", "target"], name="one_pair")
        ]
        verbose_name = "language pair"

    def __str__(self) -> str:
        return f"{self.translator_id}: {self.source} → {self.target}"

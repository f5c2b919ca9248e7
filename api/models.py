from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first successful response to a POST sent with an ``Idempotency-Key``: a retry
    with the same key gets it back instead of acting twice. It commits in the same
    transaction as the action's events, so either both exist or neither does."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=1024)
    fingerprint = models.CharField(
        max_length=64, default="", help_text="sha256 of the request's path and content"
    )
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_response_per_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

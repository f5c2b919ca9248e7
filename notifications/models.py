"""Notices to users (in the app, and by email where they want it) and their choices."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from notifications.kinds import ALL

KIND_CHOICES = [(kind.name, kind.label) for kind in ALL]


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, help_text="the page it is about (a path)")
    event_id = models.UUIDField(help_text="the event it tells of")
    about = models.UUIDField(null=True, blank=True, db_index=True, help_text="its request")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    in_app = models.BooleanField(default=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One notice per user and event: a redelivered event tells nobody twice.
            models.UniqueConstraint(fields=["user", "event_id"], name="one_notice_per_event")
        ]
        indexes = [models.Index(fields=["email_wanted", "emailed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text}"


class Preference(models.Model):
    """A user's choice for one kind (no row: told in the app and by email)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_choices"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_choice_each")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: app {self.in_app}, email {self.email}"

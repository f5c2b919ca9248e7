"""Reading a user's notices."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def notices_of(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_id, in_app=True)


def unread_count(user_id: int) -> int:
    return notices_of(user_id).filter(read_at=None).count()

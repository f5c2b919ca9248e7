from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict:
    """The unread count for the header of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user.pk)}

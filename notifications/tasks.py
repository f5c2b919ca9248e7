from __future__ import annotations

from celery import shared_task

from notifications.services import send_pending_emails


@shared_task(name="notifications.send_emails", ignore_result=True)
def send_emails_task() -> int:
    """Queued after a commit that made notices wanting an email (and swept by beat)."""
    return send_pending_emails()

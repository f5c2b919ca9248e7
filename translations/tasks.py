from __future__ import annotations

from celery import shared_task

from translations.services import (
    translation_requests_approve_unanswered,
    translation_requests_expire_overdue,
)


@shared_task(name="translations.expire_overdue", ignore_result=True)
def expire_overdue_task() -> int:
    """Swept by beat: requests not accepted by their deadline expire."""
    return translation_requests_expire_overdue()


@shared_task(name="translations.approve_unanswered", ignore_result=True)
def approve_unanswered_task() -> int:
    """Swept by beat: deliveries not answered in time are approved."""
    return translation_requests_approve_unanswered()

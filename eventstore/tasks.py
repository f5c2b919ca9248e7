from __future__ import annotations

from celery import shared_task

from eventstore.relay import relay_outbox


@shared_task(name="eventstore.relay_outbox", ignore_result=True)
def relay_outbox_task() -> int:
    """Triggered after each commit that appended events, and swept by beat as a safety net."""
    return relay_outbox().published

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from messaging.relay import relay_outbox


@shared_task(name="messaging.relay_outbox", ignore_result=True)
def relay_outbox_task() -> int:
    """Triggered after each commit that appended events, and swept by beat as a safety net."""
    return relay_outbox().published


def request_relay(**_signal) -> None:
    """Receives the event store's ``events_committed``: the relay should run."""
    if settings.MESSAGING_RELAY_ON_COMMIT:
        relay_outbox_task.delay()

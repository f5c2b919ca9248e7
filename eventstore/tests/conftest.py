from __future__ import annotations

import pytest

from project.celery import app as celery_app


@pytest.fixture
def relay_on_commit(settings):
    """The embedded default: relay in-process right after commit (Celery eager)."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.EVENT_BUS = "inprocess"
    settings.EVENTSTORE_RELAY_ON_COMMIT = True
    settings.EVENTSTORE_CONSUMER_MAX_ATTEMPTS = 3
    yield
    celery_app.conf.task_always_eager = eager

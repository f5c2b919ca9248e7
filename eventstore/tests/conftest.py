from __future__ import annotations

import uuid

import pytest

from eventstore.bus import reset_publisher
from eventstore.tests.kafka import delete_topics
from eventstore.tests.processes import AppProcess, services
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


@pytest.fixture
def kafka_bus(settings):
    """Kafka as the bus, with topics (and consumer groups) of this test's own."""
    settings.EVENT_BUS = "kafka"
    settings.KAFKA_TOPIC_PREFIX = f"t{uuid.uuid4().hex[:12]}."
    settings.EVENTSTORE_CONSUMER_BACKOFF = 0.01
    reset_publisher()
    yield
    reset_publisher()
    delete_topics(settings.KAFKA_TOPIC_PREFIX)


@pytest.fixture
def run_process():
    """Starts an app process (see ``processes``) for the test, and stops it after."""
    started: list[AppProcess] = []

    def run(process: AppProcess) -> AppProcess:
        started.append(process.start())
        return process

    yield run
    for process in started:
        process.stop()


@pytest.fixture
def kafka_stopped():
    """Stops the shared local broker; it is started again after the test whatever happens.
    Yields the function that starts it again."""
    services("down", "kafka")
    try:
        yield lambda: services("up", "kafka")
    finally:
        services("up", "kafka")

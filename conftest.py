"""Fixtures shared by every app's tests.

The distributed run (``make test-distributed``) sets REQUIRE_SERVICES=1: there a test that
needs PostgreSQL or Kafka fails when the service is missing instead of being skipped.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

from accounts.roles import CUSTOMERS, TRANSLATORS
from eventstore.context import operation
from eventstore.registry import EventType, registry
from messaging.bus import reset_publisher
from project.celery import app as celery_app
from testkit.api import Api
from testkit.browser import chromium, chromium_path
from testkit.kafka import delete_subjects, delete_topics
from testkit.processes import AppProcess, services

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    missing = {
        "postgres": None if on_postgres else "needs PostgreSQL (DATABASE_URL=postgres://...)",
        "kafka": None if settings.KAFKA_BOOTSTRAP_SERVERS else "needs KAFKA_BOOTSTRAP_SERVERS",
        "registry": None if settings.SCHEMA_REGISTRY_URL else "needs SCHEMA_REGISTRY_URL",
        "redis": None
        if settings.CELERY_BROKER_URL.startswith("redis")
        else "needs CELERY_BROKER_URL=redis://...",
        "browser": None if chromium_path() else "needs Chromium (scripts/services up installs it)",
    }
    for item in items:
        for marker, reason in missing.items():
            if reason and marker in item.keywords:
                if REQUIRE_SERVICES:
                    raise pytest.UsageError(f"{item.nodeid} {reason}, but REQUIRE_SERVICES=1")
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for every browser test of the session, whichever app's."""
    with chromium() as started:
        yield started


@pytest.fixture
def committed_db(transactional_db: None) -> Iterator[None]:
    """A database whose writes really commit, for tests with several connections.

    Between tests pytest-django empties every table with TRUNCATE, which the append-only
    triggers refuse while there are events; so the events and stream heads are removed first
    as only a superuser can, in the ``replica`` role that skips ordinary triggers.
    """
    if connection.vendor != "postgresql":
        pytest.skip("committed transactions across connections are tested on PostgreSQL")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM eventstore_event")
        cursor.execute("DELETE FROM eventstore_stream")
        cursor.execute("DELETE FROM eventstore_tree_node")
        cursor.execute("DELETE FROM eventstore_checkpoint")
        cursor.execute("RESET session_replication_role")


@pytest.fixture(autouse=True)
def witness_file(settings, tmp_path: Path) -> Path:
    """Each test's own witness file: the checkpoints it holds are those of the test's
    database."""
    settings.EVENTSTORE_WITNESS_FILE = tmp_path / "checkpoints.jsonl"
    return settings.EVENTSTORE_WITNESS_FILE


@pytest.fixture
def actor() -> Iterator[str]:
    """Run the test inside one operation, as a user."""
    with operation(actor="user:42") as ctx:
        yield ctx.actor


@pytest.fixture
def thing_type() -> EventType:
    """The event type of the test-only ``testing`` context (eventstore/tests/testapp)."""
    return registry.get("testing.ThingHappened")


@pytest.fixture
def upgrade_thing_type(thing_type: EventType) -> Iterator[Callable[[], None]]:
    """Registers schema version 2 of ThingHappened when called: ``n`` is renamed ``count``,
    and version 1 events are upcast on read. Version 1 is back after the test."""

    def upgrade() -> None:
        registry.unregister(thing_type.name)
        registry.register(
            EventType(
                name=thing_type.name,
                schema={"type": "object", "required": ["count"]},
                schema_version=2,
                upcasters={1: lambda data: {"count": data.pop("n"), **data}},
            )
        )

    yield upgrade
    registry.unregister(thing_type.name)
    registry.register(thing_type)


@pytest.fixture
def stream_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def relay_on_commit(settings):
    """The embedded default: relay in-process right after commit (Celery eager)."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.EVENT_BUS = "inprocess"
    settings.MESSAGING_RELAY_ON_COMMIT = True
    settings.MESSAGING_CONSUMER_MAX_ATTEMPTS = 3
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def kafka_bus(settings):
    """Kafka as the bus, with topics (and consumer groups) of this test's own."""
    settings.EVENT_BUS = "kafka"
    settings.KAFKA_TOPIC_PREFIX = f"t{uuid.uuid4().hex[:12]}."
    settings.MESSAGING_CONSUMER_BACKOFF = 0.01
    reset_publisher()
    yield
    reset_publisher()
    delete_topics(settings.KAFKA_TOPIC_PREFIX)
    delete_subjects(settings.KAFKA_TOPIC_PREFIX)


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
        host, port = settings.KAFKA_BOOTSTRAP_SERVERS.split(",")[0].rsplit(":", 1)
        with contextlib.suppress(OSError), socket.create_connection((host, int(port)), 2):
            pytest.fail(
                f"Kafka still answers on {host}:{port}: it was not started by this checkout's "
                "scripts/services, so the test cannot stop it"
            )
        yield lambda: services("up", "kafka")
    finally:
        services("up", "kafka")


@dataclass
class Users:
    customer: object
    other_customer: object
    translator: object
    other_translator: object
    staff: object


@pytest.fixture
def users(django_user_model) -> Users:
    customers = Group.objects.get_or_create(name=CUSTOMERS)[0]
    translators = Group.objects.get_or_create(name=TRANSLATORS)[0]

    def make(name: str, group: Group | None = None, **flags):
        user = django_user_model.objects.create_user(name, password=f"{name}-pw", **flags)
        if group is not None:
            user.groups.add(group)
        return user

    return Users(
        customer=make("carla", customers),
        other_customer=make("otto", customers),
        translator=make("tina", translators, is_staff=True),
        other_translator=make("tom", translators, is_staff=True),
        staff=make("sam", is_staff=True),
    )


@pytest.fixture
def embedded(relay_on_commit, django_capture_on_commit_callbacks, tmp_path, settings):
    """The embedded default: the saga runs in-process after each request's commit."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def api(user) -> Api:
        return Api(user, lambda: django_capture_on_commit_callbacks(execute=True))

    return api


@pytest.fixture
def no_saga():
    def api(user) -> Api:
        return Api(user, nullcontext)

    return api

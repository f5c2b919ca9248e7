"""The API keeps its OpenAPI schema: schemathesis generates requests from ``/api/schema/``
(valid and invalid ones) as a customer, a translator and a staff member, with all its checks
on every answer (no 5xx, every status code, content type and header documented, every body
matching its schema, invalid input refused, valid input accepted but for the rules that
``schemathesis.toml`` names). Derandomized and bounded, so that each run sends the same
requests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from eventstore.sealing import seal

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml")),
)


@contextlib.contextmanager
def in_test_transaction() -> Iterator[None]:
    """As Django's test client does, requests do not close the test's connection (which
    would end its transaction) at their start and end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(embedded, users) -> dict[str, list[str]]:
    """Something to find: a document whose translation was delivered, another with an open
    request, both sealed into a checkpoint."""
    customer, translator = embedded(users.customer), embedded(users.translator)
    delivered = customer.upload().json()["id"]
    finished = customer.submit(delivered).json()["id"]
    translator.act(finished, "accept")
    translator.deliver(finished)
    pending = customer.upload(name="memo.txt").json()["id"]
    waiting = customer.submit(pending).json()["id"]
    seal()
    return {"document_id": [delivered, pending], "request_id": [finished, waiting]}


@pytest.fixture(params=["customer", "translator", "staff"])
def token(request, users) -> str:
    return Token.objects.create(user=getattr(users, request.param)).key


@schema.parametrize()
@settings(
    max_examples=10, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
def test_api_keeps_its_schema(case, token, known_ids):
    if case.meta is not None and case.meta.generation.mode.is_positive:
        # Valid requests are about things that exist (the generated UUID picks which), so
        # that their answers' bodies are checked too, not only the 404s.
        for name, value in case.path_parameters.items():
            if name in known_ids:
                choices = known_ids[name]
                case.path_parameters[name] = choices[uuid.UUID(str(value)).int % len(choices)]
    with in_test_transaction():
        case.call_and_validate(headers={"Authorization": f"Token {token}"})

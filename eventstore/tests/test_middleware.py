from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from eventstore.middleware import OperationContextMiddleware
from testkit.helpers import append_things

pytestmark = pytest.mark.django_db


def run_request(user, headers: dict[str, str]):
    recorded = []

    def view(request):
        recorded.extend(append_things(uuid.uuid4(), 1))
        return HttpResponse("ok")

    request = RequestFactory().post("/", headers=headers)
    request.user = user
    response = OperationContextMiddleware(view)(request)
    return response, recorded


def test_a_request_is_one_operation_of_its_own_keeping_the_callers_reference(
    thing_type, django_user_model
):
    user = django_user_model.objects.create_user("alice")
    reference = str(uuid.uuid4())
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    response, (event,) = run_request(
        user, {"X-Correlation-ID": reference, "traceparent": traceparent}
    )

    # Another user's correlation id sent as one's own joins nothing: it is a reference.
    assert event.metadata["client_reference"] == reference
    assert event.metadata["correlation_id"] != reference
    assert uuid.UUID(event.metadata["correlation_id"])
    assert event.metadata["actor"] == f"user:{user.pk}"
    assert event.metadata["traceparent"] == traceparent
    assert event.metadata["request_id"] == event.metadata["causation_id"]
    assert response["X-Correlation-ID"] == event.metadata["correlation_id"]
    assert response["X-Request-ID"] == event.metadata["request_id"]


def test_a_malformed_correlation_id_starts_a_new_one(thing_type, django_user_model):
    user = django_user_model.objects.create_user("bob")

    response, (event,) = run_request(user, {"X-Correlation-ID": "'; drop table"})

    assert uuid.UUID(event.metadata["correlation_id"])
    assert response["X-Correlation-ID"] == event.metadata["correlation_id"]
    assert "client_reference" not in event.metadata  # not a reference a client could mean


def test_an_anonymous_request_cannot_append(thing_type):
    from eventstore.exceptions import MissingActor

    with pytest.raises(MissingActor):
        run_request(AnonymousUser(), {})

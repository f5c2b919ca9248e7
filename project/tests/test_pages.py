from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_services_and_the_pipeline(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "kafka"}
    assert body["pipeline"]["relay_pending"] == 0
    assert body["pipeline"]["dead_letters_open"] == 0
    assert body["pipeline"]["seal_unsealed"] == 0
    assert body["pipeline"]["seal_oldest_age_seconds"] is None


def test_healthz_shows_the_seal_lag_and_fails_when_sealing_stops(
    client, settings, thing_type, actor
):
    from testkit.helpers import append_things

    append_things(uuid.uuid4(), 1, 2)
    settings.MESSAGING_RELAY_MAX_AGE = 3600
    assert client.get("/healthz").json()["pipeline"]["seal_unsealed"] == 2

    settings.EVENTSTORE_SEAL_MAX_AGE = -1
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["seal"].startswith("error: oldest unsealed event is")


def test_healthz_fails_when_the_relay_stops_draining(client, settings, thing_type, actor):
    from testkit.helpers import append_things

    append_things(uuid.uuid4(), 1)  # never relayed: the test transaction does not commit
    settings.MESSAGING_RELAY_MAX_AGE = -1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["relay"].startswith("error: oldest unpublished event")
    assert response.json()["pipeline"]["relay_pending"] == 1


@pytest.mark.redis
@pytest.mark.kafka
def test_healthz_checks_the_real_broker_and_kafka(client, settings):
    settings.EVENT_BUS = "kafka"
    settings.CELERY_TASK_ALWAYS_EAGER = False

    body = client.get("/healthz").json()

    assert (body["checks"]["broker"], body["checks"]["kafka"]) == ("ok", "ok")


def test_healthz_names_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error:")


def test_the_home_page_invites_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_a_demo_user_can_sign_in(client, django_user_model):
    django_user_model.objects.create_user("carol", password="a-long-password")

    response = client.post("/accounts/login/", {"username": "carol", "password": "a-long-password"})

    assert response.status_code == 302
    assert client.get("/").context["user"].username == "carol"


def test_every_page_carries_the_security_headers(client):
    response = client.get("/accounts/login/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_the_home_page_invites_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_a_demo_user_can_sign_in(client, django_user_model):
    django_user_model.objects.create_user("carol", password="a-long-password")

    response = client.post("/accounts/login/", {"username": "carol", "password": "a-long-password"})

    assert response.status_code == 302
    assert client.get("/").context["user"].username == "carol"

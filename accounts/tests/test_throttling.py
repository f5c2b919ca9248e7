"""Guessing passwords is slowed down: lock-outs on the site's and the admin's sign-in and on
the API's token endpoint (per user name and per address), and throttled API calls; each says
when to try again."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from accounts.security import security_stream
from eventstore.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_the_fifth_wrong_password_locks_the_user_out_saying_until_when(client, users, url):
    for _ in range(4):
        wrong = client.post(url, {"username": "carla", "password": "guess"})
        assert wrong.status_code == 200  # the form again, with its error
    fifth = client.post(url, {"username": "carla", "password": "guess"})

    right = client.post(url, {"username": "carla", "password": "carla-pw"})

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert int(right["Retry-After"]) == 15 * 60
    assert b"Too many failed sign-ins" in right.content
    assert b"Try again in 15 minutes" in right.content
    assert "_auth_user_id" not in client.session


def test_guessing_many_user_names_from_one_address_is_locked_out_too(client, users):
    for name in ("a", "b", "c", "d", "e"):
        client.post("/accounts/login/", {"username": name, "password": "x"})

    other_user = client.post("/accounts/login/", {"username": "otto", "password": "otto-pw"})

    assert other_user.status_code == 429


def test_a_success_before_the_limit_starts_the_count_again(client, users):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "carla", "password": "guess"})
    assert (
        client.post("/accounts/login/", {"username": "carla", "password": "carla-pw"}).status_code
        == 302
    )
    client.logout()
    for _ in range(4):
        client.post("/accounts/login/", {"username": "carla", "password": "guess"})
    assert (
        client.post("/accounts/login/", {"username": "carla", "password": "carla-pw"}).status_code
        == 302
    )


def test_api_calls_are_throttled_with_retry_after(users, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    cache.clear()
    api = APIClient()
    api.force_authenticate(users.customer)

    codes = [api.get("/api/documents/").status_code for _ in range(4)]
    anonymous = [APIClient().get("/api/documents/") for _ in range(3)]

    assert codes == [200, 200, 200, 429]
    throttled = api.get("/api/documents/")
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"].startswith("Request was throttled.")
    assert [r.status_code for r in anonymous] == [401, 401, 429]


def test_an_api_token_for_the_right_password_is_recorded_and_the_same_each_time(users):
    api = APIClient()

    first = api.post("/api/auth/token/", {"username": "carla", "password": "carla-pw"})
    again = api.post("/api/auth/token/", {"username": "carla", "password": "carla-pw"})
    wrong = api.post("/api/auth/token/", {"username": "carla", "password": "guess"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["token"] == again.json()["token"] == users.customer.auth_token.key
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "wrong user name or password"})
    recorded = Event.objects.filter(stream_id=security_stream(users.customer.pk))
    types = list(recorded.order_by("version").values_list("event_type", flat=True))
    assert types.count("accounts.TokenCreated") == 1
    assert types[-1] == "accounts.SignInFailed"
    documents = APIClient(headers={"Authorization": f"Token {first.json()['token']}"})
    assert documents.get("/api/documents/").status_code == 200


def test_guessing_a_password_for_a_token_locks_out_in_json(users):
    api = APIClient()

    guesses = [api.post("/api/auth/token/", {"username": "otto", "password": "x"}) for _ in "12345"]
    right = api.post("/api/auth/token/", {"username": "otto", "password": "otto-pw"})

    assert [g.status_code for g in guesses] == [400, 400, 400, 400, 429]
    assert right.status_code == 429
    assert int(right["Retry-After"]) == 15 * 60
    assert right.json() == {"detail": "too many failed sign-ins: try again in 15 minutes"}
    assert not Token.objects.filter(user=users.other_customer).exists()

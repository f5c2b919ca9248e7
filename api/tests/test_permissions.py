"""Every endpoint by role by own / another's object: customers reach only their own,
translators open requests and the ones they accepted, staff everything; what one may not
see is a 404, what one sees but may not do is a 403."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@dataclass
class World:
    apis: dict
    ids: dict


@pytest.fixture
def world(embedded, users) -> World:
    """carla: D1 locked by R1 (open) and D3 (unlocked); otto: D2 locked by R2, which tom
    accepted."""
    apis = {
        "carla": embedded(users.customer),
        "otto": embedded(users.other_customer),
        "tina": embedded(users.translator),
        "tom": embedded(users.other_translator),
        "sam": embedded(users.staff),
    }
    d1 = apis["carla"].upload().json()["id"]
    d3 = apis["carla"].upload(name="other.txt", content=b"other").json()["id"]
    d2 = apis["otto"].upload(content=b"otto's").json()["id"]
    r1 = apis["carla"].submit(d1).json()["id"]
    r2 = apis["otto"].submit(d2).json()["id"]
    assert apis["tom"].act(r2, "accept").status_code == 200
    return World(apis, {"D1": d1, "D2": d2, "D3": d3, "R1": r1, "R2": r2})


def file(name="x.txt"):
    return SimpleUploadedFile(name, b"content")


GET, POST = "get", "post"
CASES = [
    # (who, method, path, body, expected status)
    ("carla", GET, "/api/documents/{D1}/", None, 200),
    ("carla", GET, "/api/documents/{D2}/", None, 404),
    ("tina", GET, "/api/documents/{D1}/", None, 404),
    ("sam", GET, "/api/documents/{D2}/", None, 200),
    ("carla", GET, "/api/documents/{D1}/revisions/", None, 200),
    ("otto", GET, "/api/documents/{D1}/revisions/", None, 404),
    ("carla", GET, "/api/documents/{D1}/revisions/1/file/", None, 200),
    ("otto", GET, "/api/documents/{D1}/revisions/1/file/", None, 404),
    ("tina", GET, "/api/documents/{D1}/revisions/1/file/", None, 200),  # R1 is open
    ("tina", GET, "/api/documents/{D2}/revisions/1/file/", None, 404),  # tom's work
    ("tom", GET, "/api/documents/{D2}/revisions/1/file/", None, 200),
    ("tina", GET, "/api/documents/{D3}/revisions/1/file/", None, 404),  # never submitted
    ("sam", GET, "/api/documents/{D2}/revisions/1/file/", None, 200),
    ("carla", GET, "/api/documents/{D1}/history/", None, 200),
    ("otto", GET, "/api/documents/{D1}/history/", None, 404),
    ("tina", GET, "/api/documents/{D1}/history/", None, 404),
    ("sam", GET, "/api/documents/{D1}/history/", None, 200),
    ("carla", POST, "/api/documents/{D3}/revisions/", "file", 201),
    ("otto", POST, "/api/documents/{D3}/revisions/", "file", 404),
    ("tina", POST, "/api/documents/{D3}/revisions/", "file", 404),
    ("sam", POST, "/api/documents/{D3}/revisions/", "file", 403),
    ("carla", POST, "/api/documents/", "file", 201),
    ("tina", POST, "/api/documents/", "file", 403),
    ("sam", POST, "/api/documents/", "file", 403),
    ("carla", POST, "/api/translation-requests/", {"document": "{D3}"}, 201),
    ("otto", POST, "/api/translation-requests/", {"document": "{D3}"}, 404),
    ("tina", POST, "/api/translation-requests/", {"document": "{D3}"}, 403),
    ("sam", POST, "/api/translation-requests/", {"document": "{D3}"}, 403),
    ("carla", GET, "/api/translation-requests/{R1}/", None, 200),
    ("carla", GET, "/api/translation-requests/{R2}/", None, 404),
    ("tina", GET, "/api/translation-requests/{R1}/", None, 200),
    ("tina", GET, "/api/translation-requests/{R2}/", None, 404),
    ("tom", GET, "/api/translation-requests/{R2}/", None, 200),
    ("sam", GET, "/api/translation-requests/{R2}/", None, 200),
    ("carla", POST, "/api/translation-requests/{R1}/cancel/", None, 200),
    ("otto", POST, "/api/translation-requests/{R1}/cancel/", None, 404),
    ("tina", POST, "/api/translation-requests/{R1}/cancel/", None, 403),
    ("sam", POST, "/api/translation-requests/{R1}/cancel/", None, 403),
    ("tina", POST, "/api/translation-requests/{R1}/accept/", None, 200),
    ("carla", POST, "/api/translation-requests/{R1}/accept/", None, 403),
    ("sam", POST, "/api/translation-requests/{R1}/accept/", None, 403),
    ("tina", POST, "/api/translation-requests/{R2}/accept/", None, 404),
    ("tom", POST, "/api/translation-requests/{R2}/deliver/", "file", 200),
    ("tina", POST, "/api/translation-requests/{R2}/deliver/", "file", 404),
    ("otto", POST, "/api/translation-requests/{R2}/deliver/", "file", 403),
    ("carla", POST, "/api/translation-requests/{R2}/deliver/", "file", 404),
    ("sam", POST, "/api/translation-requests/{R2}/deliver/", "file", 403),
    ("tina", POST, "/api/translation-requests/{R1}/decline/", None, 200),
    ("carla", POST, "/api/translation-requests/{R1}/decline/", None, 403),
    ("sam", POST, "/api/translation-requests/{R1}/decline/", None, 403),
    ("tina", POST, "/api/translation-requests/{R2}/decline/", None, 404),
    ("tom", POST, "/api/translation-requests/{R2}/release/", {"reason": "busy"}, 200),
    ("tina", POST, "/api/translation-requests/{R2}/release/", {"reason": "busy"}, 404),
    ("otto", POST, "/api/translation-requests/{R2}/release/", {"reason": "busy"}, 403),
    ("sam", POST, "/api/translation-requests/{R2}/release/", {"reason": "busy"}, 403),
    ("otto", POST, "/api/translation-requests/{R2}/approve/", None, 409),  # not delivered
    ("carla", POST, "/api/translation-requests/{R2}/approve/", None, 404),
    ("tom", POST, "/api/translation-requests/{R2}/approve/", None, 403),
    ("sam", POST, "/api/translation-requests/{R2}/approve/", None, 403),
    ("otto", POST, "/api/translation-requests/{R2}/request-changes/", {"comment": "x"}, 409),
    ("tom", POST, "/api/translation-requests/{R2}/request-changes/", {"comment": "x"}, 403),
    ("carla", POST, "/api/translation-requests/{R2}/request-changes/", {"comment": "x"}, 404),
    ("sam", GET, "/api/events/", None, 200),
    ("carla", GET, "/api/events/", None, 403),
    ("tina", GET, "/api/events/", None, 403),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "expected"), CASES)
def test_permission_matrix(world, who, method, path, body, expected):
    api = world.apis[who]
    url = path.format(**world.ids)
    if method == GET:
        response = api.get(url)
    elif body == "file":
        response = api.post(url, {"file": file()}, format="multipart")
    elif body is None:
        response = api.post(url)
    else:
        data = {k: v.format(**world.ids) for k, v in body.items()}
        response = api.post(url, {**data, "target_language": "fr"}, format="json")

    assert response.status_code == expected, getattr(response, "content", b"")[:300]


def test_lists_show_only_what_each_one_may_see(world):
    def ids(who: str, path: str) -> set[str]:
        return {item["id"] for item in world.apis[who].get(path).json()["results"]}

    assert ids("carla", "/api/documents/") == {world.ids["D1"], world.ids["D3"]}
    assert ids("tina", "/api/documents/") == set()
    assert len(ids("sam", "/api/documents/")) == 3
    assert ids("carla", "/api/translation-requests/") == {world.ids["R1"]}
    assert ids("tina", "/api/translation-requests/") == {world.ids["R1"]}
    assert ids("tom", "/api/translation-requests/") == {world.ids["R1"], world.ids["R2"]}
    assert ids("sam", "/api/translation-requests/") == {world.ids["R1"], world.ids["R2"]}
    of_d2 = f"/api/translation-requests/?document={world.ids['D2']}"
    assert (ids("sam", of_d2), ids("carla", of_d2)) == ({world.ids["R2"]}, set())


def test_anonymous_callers_are_asked_to_authenticate_and_tokens_work(world, users):
    anonymous = APIClient()
    response = anonymous.get("/api/documents/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"

    token = Token.objects.create(user=users.customer)
    with_token = APIClient(headers={"Authorization": f"Token {token.key}"})
    upload = with_token.post("/api/documents/", {"file": file()}, format="multipart")
    assert upload.status_code == 201
    history = with_token.get(f"/api/documents/{upload.json()['id']}/history/").json()
    assert history["results"][0]["metadata"]["actor"] == f"user:{users.customer.pk}"

"""Security events in the audit trail: sign-ins and their failures, lock-outs, sign-outs,
tokens, changed groups and rights, refused access; with who, from where, in which operation."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.security import UNKNOWN_USERS, security_stream
from eventstore.context import operation
from eventstore.models import Event

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (test)"


def security_events(stream) -> list[tuple[str, dict, str]]:
    rows = Event.objects.filter(stream_id=stream).order_by("version")
    return [(e.event_type, e.data, e.metadata["actor"]) for e in rows]


def test_sign_ins_failures_lock_outs_and_sign_outs(client, users):
    carla = users.customer
    client.post(
        "/accounts/login/", {"username": "carla", "password": "nope"}, headers={"User-Agent": UA}
    )
    client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    client.post(
        "/accounts/login/",
        {"username": "carla", "password": "carla-pw"},
        headers={"User-Agent": UA},
    )
    client.post("/accounts/logout/")

    who = {"user_id": carla.pk, "ip": "127.0.0.1", "user_agent": UA}
    signing = [e for e in security_events(security_stream(carla.pk)) if "Sign" in e[0]]
    assert signing == [
        ("accounts.SignInFailed", who, "system:auth"),
        ("accounts.SignedIn", who, f"user:{carla.pk}"),
        ("accounts.SignedOut", {**who, "user_agent": ""}, f"user:{carla.pk}"),
    ]
    # No user name is stored for an account that does not exist: only the attempt.
    assert security_events(UNKNOWN_USERS) == [
        (
            "accounts.SignInFailed",
            {"user_id": None, "ip": "127.0.0.1", "user_agent": ""},
            "system:auth",
        )
    ]


def test_a_lock_out_is_recorded(client, users):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "otto", "password": "guess"})

    types = [t for t, _, _ in security_events(security_stream(users.other_customer.pk))]
    assert types.count("accounts.SignInFailed") == 5
    assert "accounts.LockedOut" in types


def test_changed_groups_rights_and_tokens_name_who_changed_them(users):
    tom = users.other_translator
    with operation(actor=f"user:{users.staff.pk}"):
        tom.groups.add(Group.objects.get_or_create(name="reviewers")[0])
        tom.is_staff = False
        tom.save()
        token = Token.objects.create(user=tom)
        token.delete()

    by = f"user:{users.staff.pk}"
    assert security_events(security_stream(tom.pk))[-4:] == [
        ("accounts.GroupsChanged", {"user_id": tom.pk, "groups": ["reviewers", "translators"]}, by),
        (
            "accounts.RightsChanged",
            {"user_id": tom.pk, "is_staff": False, "is_superuser": False},
            by,
        ),
        ("accounts.TokenCreated", {"user_id": tom.pk}, by),
        ("accounts.TokenDeleted", {"user_id": tom.pk}, by),
    ]


def test_refused_access_to_someone_elses_document_is_recorded(users, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    owner, other = APIClient(), APIClient()
    owner.force_authenticate(users.customer)
    other.force_authenticate(users.other_customer)
    letter = SimpleUploadedFile("letter.txt", b"Dear reader")
    document = owner.post("/api/documents/", {"file": letter}, format="multipart").json()["id"]

    refused = other.get(f"/api/documents/{document}/", headers={"User-Agent": UA})

    assert refused.status_code == 404
    (denied,) = [e for e in security_events(security_stream(users.other_customer.pk))
                 if e[0] == "accounts.AccessDenied"]  # fmt: skip
    assert denied == (
        "accounts.AccessDenied",
        {"user_id": users.other_customer.pk, "resource": "document", "resource_id": document,
         "ip": "127.0.0.1", "user_agent": UA},
        f"user:{users.other_customer.pk}",
    )  # fmt: skip
    event = Event.objects.get(event_type="accounts.AccessDenied")
    assert event.metadata["correlation_id"] == refused["X-Correlation-ID"]


def test_the_staff_event_log_filters_security_events(admin_client, users):
    admin_client.post("/accounts/login/", {"username": "carla", "password": "nope"})

    page = admin_client.get("/admin/eventstore/event/", {"stream_type": "accounts.UserSecurity"})

    assert page.status_code == 200
    assert b"accounts.SignInFailed" in page.content
    assert b"documents.DocumentUploaded" not in page.content

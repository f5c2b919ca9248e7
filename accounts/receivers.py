"""Signals of authentication and of user changes, recorded as security events. Thin: what
is recorded and how lives in ``accounts.security``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from accounts import events
from accounts.security import current_client, record
from eventstore.context import system_actor, user_actor


def _client(request: Any) -> dict[str, Any]:
    if request is None:
        return current_client()
    from axes.helpers import get_client_ip_address

    return {
        "ip": get_client_ip_address(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
    }


def signed_in(sender, request=None, user=None, **_: Any) -> None:
    record(events.SIGNED_IN, user_id=user.pk, data=_client(request), actor=user_actor(user.pk))


def signed_out(sender, request=None, user=None, **_: Any) -> None:
    if user is not None:
        record(events.SIGNED_OUT, user_id=user.pk, data=_client(request), actor=user_actor(user.pk))


def sign_in_failed(sender, credentials=None, request=None, **_: Any) -> None:
    record(
        events.SIGN_IN_FAILED, user_id=_user_id((credentials or {}).get("username")),
        data=_client(request), actor=system_actor("auth"),
    )  # fmt: skip


def locked_out(sender, request=None, username=None, **_: Any) -> None:
    record(
        events.LOCKED_OUT, user_id=_user_id(username), data=_client(request),
        actor=system_actor("auth"),
    )  # fmt: skip


def token_saved(sender, instance=None, created=False, **_: Any) -> None:
    if created:
        record(events.TOKEN_CREATED, user_id=instance.user_id, data={})


def token_deleted(sender, instance=None, **_: Any) -> None:
    record(events.TOKEN_DELETED, user_id=instance.user_id, data={})


def groups_changed(sender, instance=None, action="", reverse=False, pk_set=None, **_: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    users = get_user_model().objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    for user in users:
        groups = sorted(user.groups.values_list("name", flat=True))
        record(events.GROUPS_CHANGED, user_id=user.pk, data={"groups": groups})


def rights_before(sender, instance=None, update_fields=None, **_: Any) -> None:
    if update_fields is not None and not {"is_staff", "is_superuser"} & set(update_fields):
        instance._rights_before = None  # e.g. a sign-in's last_login: no query on that path
        return
    old = sender.objects.filter(pk=instance.pk).values("is_staff", "is_superuser").first()
    instance._rights_before = old


def rights_after(sender, instance=None, created=False, **_: Any) -> None:
    now = {"is_staff": instance.is_staff, "is_superuser": instance.is_superuser}
    before = getattr(instance, "_rights_before", None)
    if (created and any(now.values())) or (before is not None and before != now):
        record(events.RIGHTS_CHANGED, user_id=instance.pk, data=now)


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    return get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()

"""Telling users: a notice per user and event (in the app, and by email where they want it),
emails sent from the notices after commit, and the users' choices per kind."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.kinds import ALL, BY_NAME, Kind
from notifications.models import Notification, Preference

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def notify(
    *,
    user_id: int,
    kind: Kind,
    text: str,
    link: str,
    event_id: uuid.UUID,
    about: uuid.UUID | None = None,
) -> Notification | None:
    """One notice of ``event_id`` for the user, as they chose for its kind. Idempotent: the
    same event never makes a second notice (nor a second email)."""
    choice = Preference.objects.filter(user_id=user_id, kind=kind.name).first()
    in_app, email = (choice.in_app, choice.email) if choice else (True, True)
    if not (in_app or email):
        return None
    has_address = get_user_model().objects.filter(pk=user_id).exclude(email="").exists()
    notice, created = Notification.objects.get_or_create(
        user_id=user_id, event_id=event_id,
        defaults={"kind": kind.name, "text": text[:500], "link": link, "in_app": in_app,
                  "email_wanted": email and has_address, "about": about},
    )  # fmt: skip
    if created and notice.email_wanted:
        transaction.on_commit(_queue_sending)
    return notice


def _queue_sending() -> None:
    from notifications.tasks import send_emails_task  # the task module imports this one

    send_emails_task.delay()


def send_pending_emails() -> int:
    """Sends the emails of the notices that want one, one notice per transaction (a crash
    between sending and committing may send one twice; nothing is lost)."""
    sent = 0
    while True:
        with transaction.atomic():
            notice = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(email_wanted=True, emailed_at=None)
                .select_related("user")
                .order_by("id")
                .first()
            )
            if notice is None:
                return sent
            email_of(notice).send()
            notice.emailed_at = timezone.now()
            notice.save(update_fields=["emailed_at"])
            sent += 1


def email_of(notice: Notification) -> EmailMessage:
    site = settings.SITE_URL.rstrip("/")
    unsubscribe = site + reverse("notifications:unsubscribe", args=[unsubscribe_token(notice)])
    body = (
        f"{notice.text}\n\nSee it here: {site}{notice.link}\n\n"
        f"You get these emails because of your notification settings: "
        f"{site}{reverse('notifications:settings')}\n"
        f"Stop emails of this kind: {unsubscribe}\n"
    )
    return EmailMessage(
        subject=f"[Translation service] {notice.text}"[:200],
        body=body,
        to=[notice.user.email],
        # RFC 8058: mail clients may offer one-click unsubscribe (a POST to the link).
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def unsubscribe_token(notice: Notification) -> str:
    return signing.dumps({"user": notice.user_id, "kind": notice.kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe(token: str) -> Kind:
    """No more emails of the token's kind for its user. Raises ``signing.BadSignature`` for
    a token this site did not make."""
    claim = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    kind = BY_NAME[claim["kind"]]
    Preference.objects.update_or_create(
        user_id=claim["user"], kind=kind.name, defaults={"email": False}
    )
    return kind


def choices_of(user_id: int) -> list[tuple[Kind, bool, bool]]:
    """Every kind with the user's choice (in the app, by email)."""
    chosen = {p.kind: p for p in Preference.objects.filter(user_id=user_id)}
    return [
        (kind, chosen[kind.name].in_app, chosen[kind.name].email)
        if kind.name in chosen else (kind, True, True)
        for kind in ALL
    ]  # fmt: skip


def choose(*, user_id: int, in_app: set[str], email: set[str]) -> None:
    for kind in ALL:
        Preference.objects.update_or_create(
            user_id=user_id, kind=kind.name,
            defaults={"in_app": kind.name in in_app, "email": kind.name in email},
        )  # fmt: skip


def offered_to(request_id: uuid.UUID) -> list[int]:
    """The translators who were told of this request when it opened."""
    told = Notification.objects.filter(about=request_id, kind="new_request")
    return sorted(set(told.values_list("user_id", flat=True)))


def mark_all_read(user_id: int) -> int:
    unread = Notification.objects.filter(user_id=user_id, read_at=None)
    return unread.update(read_at=timezone.now())

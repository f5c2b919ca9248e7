"""Emails through a real SMTP server (aiosmtpd on 127.0.0.1, as the distributed mode's
EMAIL_URL would name one): each notice's email arrives once, with its links."""

from __future__ import annotations

import email
import socket
import uuid

import pytest
from aiosmtpd.controller import Controller

from eventstore.context import operation
from notifications import kinds
from notifications.services import notify, send_pending_emails

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_a_notice_is_emailed_once_through_smtp(smtp_server, users, settings):
    settings.SITE_URL = "https://translate.example.com"
    users.customer.email = "carla@example.com"
    users.customer.save()
    event_id = uuid.uuid4()
    with operation(actor="system:test"):
        for _ in range(2):  # the same event twice: one notice
            notify(
                user_id=users.customer.pk, kind=kinds.ACCEPTED, text="A translator accepted it.",
                link="/documents/x/", event_id=event_id,
            )  # fmt: skip

    first, again = send_pending_emails(), send_pending_emails()

    assert (first, again) == (1, 0)
    (message,) = smtp_server.messages
    assert message["To"] == "carla@example.com"
    assert message["Subject"] == "[Translation service] A translator accepted it."
    body = message.get_payload(decode=True).decode()
    assert "See it here: https://translate.example.com/documents/x/" in body
    assert "https://translate.example.com/notifications/unsubscribe/" in body
    assert message["List-Unsubscribe"].strip().startswith("<https://translate.example.com/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

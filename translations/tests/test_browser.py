"""The translator's queue on a phone and the auditor's event log on a laptop, in a real
headless Chromium: every column and every action within the screen."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from eventstore.context import operation
from testkit.browser import controls_off_screen, sign_in_to_admin
from translations import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,  # a live server commits for real; PostgreSQL cleans up after it
    pytest.mark.usefixtures("committed_db"),
]


def a_request(users, title: str, *, days: int | None = None, accepted: bool = False):
    """An open request (the documents context's reply stood for by the service)."""
    deadline = timezone.now() + timedelta(days=days) if days is not None else None
    with operation(actor=f"user:{users.customer.pk}"):
        [request] = services.translation_requests_submit(
            document_id=uuid.uuid4(), revision=1, source_sha256="a" * 64,
            customer_id=users.customer.pk, target_languages=["fr"], deadline=deadline,
            word_count=1234, source_language="en", document_title=title,
        )  # fmt: skip
    with operation(actor="system:consumer:translations"):
        services.translation_request_open(request_id=request.pk)
    if accepted:
        with operation(actor=f"user:{users.translator.pk}"):
            services.translation_request_accept(
                request_id=request.pk, translator_id=users.translator.pk
            )
    return request


def cut_off(page, selector: str) -> list[str]:
    """The cells of the table whose right edge is beyond the viewport (or hidden behind the
    table's own horizontal scrolling)."""
    return page.evaluate(
        """(selector) => {
            const width = document.documentElement.clientWidth;
            const out = [];
            for (const cell of document.querySelectorAll(selector)) {
                const box = cell.getBoundingClientRect();
                const scroller = cell.closest('.results');
                const scrolls = scroller && scroller.scrollWidth > scroller.clientWidth + 1;
                if (box.right > width + 0.5 || scrolls) {
                    out.push(`${cell.className}: right edge ${box.right} of ${width}`);
                }
            }
            return out;
        }""",
        selector,
    )


def test_no_event_log_column_is_cut_off_and_the_queue_fits_a_phone(
    browser, live_server, users, django_user_model
):
    a_request(users, "Letter to the editor of a newspaper with a long name", days=3)
    a_request(users, "Annual report", accepted=True)
    django_user_model.objects.create_superuser("audrey", password="audrey-pw")
    site = live_server.url
    laptop = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in_to_admin(laptop, site, "audrey", "audrey-pw")
    laptop.goto(f"{site}/admin/eventstore/event/")
    assert laptop.locator("#result_list tbody tr").count() >= 8
    assert cut_off(laptop, "#result_list th, #result_list td") == []
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1366

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    sign_in_to_admin(phone, site, "tina", "tina-pw")
    phone.goto(f"{site}/admin/translations/requestview/")
    accept = phone.get_by_role("button", name="Accept", exact=True)
    deliver = phone.get_by_role("link", name="Deliver", exact=True)
    for control in (accept, deliver):  # on the first screen: no scrolling either way
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert controls_off_screen(phone) == []  # nor anything else one can click or open

    accept.click()
    assert "Accepted" in phone.locator(".messagelist").inner_text()
    assert phone.get_by_role("link", name="Deliver", exact=True).count() == 2

"""The product in a real headless Chromium: the customer's workflow, the translator's accept
and deliver in the admin, the status changing live, the audit timeline and operation tree,
and the staff's audit views."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from api import composition
from documents.services import document_upload
from eventstore.context import operation
from eventstore.models import Event
from testkit.browser import controls_off_screen
from translations import services
from translations.models import RequestView

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,  # a live server commits for real; PostgreSQL cleans up after it
    pytest.mark.usefixtures("committed_db", "relay_on_commit"),
]


def sign_in(page, base: str, username: str, password: str, *, admin: bool = False) -> None:
    page.goto(f"{base}/admin/login/" if admin else f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form, #login-form").get_by_role("button").or_(
        page.locator("#login-form input[type=submit]")
    ).first.click()


def a_file(name: str, content: bytes) -> dict:
    return {"name": name, "mimeType": "text/plain", "buffer": content}


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return live_server.url


def watch_csp(page, violations: list[str]):
    """Collects what the browser reports as a Content-Security-Policy violation."""
    page.on(
        "console",
        lambda m: (
            violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    return page


def test_customer_and_translator_workflow_with_live_status(
    browser, site, users, django_user_model, shots, axe
):
    violations: list[str] = []
    customer = browser.new_context(viewport={"width": 1200, "height": 850}).new_page()
    watch_csp(customer, violations)
    sign_in(customer, site, "carla", "carla-pw")
    expect(customer.get_by_text("No documents yet")).to_be_visible()

    # Upload (through the progress-bar script), then submit.
    customer.get_by_role("link", name="Upload a document").click()
    expect(customer).to_have_title("Upload a document · Translation service")
    customer.fill("#id_title", "Letter to the editor")
    customer.set_input_files("#id_file", a_file("letter.txt", b"Dear editor, ..."))
    shots(customer, "upload")
    axe(customer)
    customer.get_by_role("button", name="Upload").click()
    expect(customer.locator("h1")).to_have_text("Letter to the editor")
    expect(customer.locator(".messages")).to_have_text("Uploaded Letter to the editor.")
    customer.select_option("#id_target_languages", "fr")
    customer.fill("#id_note", "Formal register, please.")
    customer.get_by_role("button", name="Submit for translation").click()
    status = customer.locator("[data-request]")
    expect(status).to_have_text("open")
    expect(customer.locator("#status .badge.locked")).to_be_visible()
    shots(customer, "document")
    axe(customer)

    # The translator accepts in the admin; the customer's page changes by itself.
    translator = watch_csp(browser.new_context().new_page(), violations)
    sign_in(translator, site, "tina", "tina-pw", admin=True)
    translator.goto(f"{site}/admin/translations/requestview/?target_language=fr")
    shots(translator, "admin-queue")
    axe(translator)
    translator.locator("input[name=_selected_action]").first.check()
    translator.select_option("select[name=action]", "accept_selected")
    translator.get_by_role("button", name="Go").click()
    expect(translator.locator(".messagelist")).to_contain_text("Accepted")
    expect(status).to_have_text("accepted", timeout=10_000)  # no reload: htmx polling

    translator.get_by_role("link", name="Deliver", exact=True).click()
    axe(translator)
    translator.set_input_files("#id_file", a_file("lettre.txt", b"Cher editeur, ..."))
    translator.locator("input[type=submit][value=Deliver]").click()
    expect(translator.locator(".messagelist")).to_contain_text("Delivered")
    expect(status).to_have_text("delivered", timeout=10_000)
    expect(customer.get_by_role("link", name="Download translation")).to_be_visible()
    customer.get_by_role("button", name="Approve").click()
    expect(status).to_have_text("completed")
    expect(customer.locator("#status .badge.unlocked")).to_be_visible()

    # The audit timeline, and one operation's causal chain across both contexts.
    customer.get_by_role("link", name="Audit history").click()
    chapters = customer.locator(".story > li")  # one per operation, newest first
    expect(chapters).to_have_count(5)
    expect(chapters.nth(0)).to_contain_text("carla approved the French translation of revision 1")
    expect(chapters.nth(1)).to_contain_text("tina delivered the French translation of revision 1")
    expect(chapters.nth(2)).to_contain_text("tina accepted the French translation of revision 1")
    expect(chapters.nth(3).locator(".timeline > li")).to_have_text([
        "carla asked for the French translation of revision 1",
        "The document was locked while the French translation of revision 1 is in progress",
        "The French translation of revision 1 was offered to translators",
    ])  # fmt: skip
    expect(chapters.nth(4)).to_contain_text("carla uploaded letter.txt as revision 1")
    for sentences in customer.locator(".story .timeline").all():  # no event names…
        expect(sentences).not_to_contain_text("translations.")
    shots(customer, "history")
    axe(customer)
    chapters.nth(3).get_by_text("Details").click()  # …unless asked for
    expect(chapters.nth(3)).to_contain_text("translations.TranslationRequested")
    chapters.nth(3).get_by_role("link", name="The operation as a tree of causes").click()
    expect(customer.locator(".tree > li")).to_have_count(1)  # one root: the request
    expect(customer.locator(".tree li li li")).to_contain_text("was offered to translators")
    shots(customer, "operation")
    axe(customer)

    # Sealed into the signed log, the history verifies against its checkpoint.
    from eventstore.sealing import seal

    checkpoint = seal()
    customer.go_back()
    customer.get_by_role("button", name="Verify this history").click()
    expect(customer.get_by_role("status")).to_contain_text("Verified.")
    expect(customer.locator(".checkpoint")).to_contain_text(f"{checkpoint.tree_size} events")
    shots(customer, "verify")
    axe(customer)

    customer.goto(f"{site}/")
    expect(customer.locator(".documents > li")).to_have_count(1)
    expect(customer.locator(".documents .badge.completed")).to_be_visible()
    shots(customer, "dashboard")
    axe(customer)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    sign_in(phone, site, "carla", "carla-pw")
    phone.get_by_role("link", name="Letter to the editor").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    shots(phone, "document-phone")
    axe(phone)

    # Told of each step: the unread count in the header, the list.
    customer.goto(f"{site}/")
    customer.get_by_role("link", name="Notifications").click()
    expect(customer.locator(".notices li")).to_have_count(3)  # opened, accepted, delivered
    expect(customer.locator(".notices")).to_contain_text("A translator accepted the French")
    shots(customer, "notifications")
    axe(customer)
    translator.goto(f"{site}/translator/languages/")
    translator.select_option("#id_sources", ["en", "de"])
    translator.select_option("#id_targets", ["fr", "it"])
    translator.get_by_role("button", name="Save").click()
    expect(translator.locator(".messages")).to_contain_text("4 pairs")
    shots(translator, "languages")
    axe(translator)

    # Staff: the event log, filtered; the verification.
    django_user_model.objects.create_superuser("audrey", password="audrey-pw")
    staff = watch_csp(
        browser.new_context(viewport={"width": 1300, "height": 900}).new_page(), violations
    )
    sign_in(staff, site, "audrey", "audrey-pw", admin=True)
    staff.goto(f"{site}/admin/eventstore/event/?not_actor=user%3A{users.customer.pk}")
    others = Event.objects.excluding_actor(f"user:{users.customer.pk}").count()
    expect(staff.locator("#result_list tbody tr")).to_have_count(others)
    assert others > 5  # the consumers' answers, and the sign-ins of the others
    shots(staff, "admin-events")
    axe(staff)
    staff.get_by_role("link", name="Verify the audit trail").click()
    staff.get_by_role("button", name="Verify the audit trail now").or_(
        staff.locator("input[value='Verify the audit trail now']")
    ).click()
    expect(staff.locator("#verification")).to_contain_text("Hash chains intact")
    expect(staff.locator("#verification")).to_contain_text("Tree intact")
    shots(staff, "admin-verify")
    axe(staff)

    # The pages above and the other admin pages staff use, under the policy: nothing refused.
    others = ("/admin/", "/admin/messaging/deadletter/pipeline/", "/admin/auth/user/",
              "/admin/translations/requestview/", "/api/docs/",
              "/notifications/settings/")  # fmt: skip
    for path in others:
        staff.goto(f"{site}{path}")
        staff.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)


def test_the_core_forms_work_without_javascript(browser, site, users):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page, site, "carla", "carla-pw")
    page.goto(f"{site}/documents/upload/")
    page.set_input_files("#id_file", a_file("notes.md", b"# Notes"))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("h1")).to_have_text("notes.md")
    expect(page.locator(".messages")).to_have_text("Uploaded notes.md.")
    page.select_option("#id_target_languages", "de")
    page.fill("#id_deadline", "2020-01-01T12:00")
    page.get_by_role("button", name="Submit for translation").click()
    expect(page.locator(".errorlist")).to_contain_text("the deadline must be in the future")
    page.fill("#id_deadline", "")
    page.get_by_role("button", name="Submit for translation").click()
    expect(page.locator("[data-request]")).to_have_text("open")
    page.locator("details.confirm summary").click()  # asks first
    page.get_by_role("button", name="Yes, cancel the German request").click()
    expect(page.locator(".messages")).to_contain_text("Cancelled the request")
    expect(page.locator("[data-request]")).to_have_text("cancelled")


def test_the_upload_page_checks_the_size_before_sending(browser, site, users, settings, axe):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 10
    page = browser.new_context().new_page()
    sign_in(page, site, "carla", "carla-pw")
    page.goto(f"{site}/documents/upload/")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/documents/upload/" in r.url else None)
    page.set_input_files("#id_file", a_file("long.txt", b"far more than ten bytes"))

    page.get_by_role("button", name="Upload").click()

    # in the server's words (a.txt is 4 bytes; the limit is 3 bytes), before anything is sent
    expect(page.get_by_role("alert")).to_have_text("long.txt is 23 bytes; the limit is 10 bytes")
    expect(page.locator("#id_file")).to_be_focused()
    assert sent == []
    axe(page)


def test_an_upload_in_progress_cannot_be_sent_twice_and_says_how_far_it_is(
    browser, site, users, axe
):
    page = browser.new_context().new_page()
    sign_in(page, site, "carla", "carla-pw")
    page.goto(f"{site}/documents/upload/")
    button = page.get_by_role("button", name="Upload")
    # A file the server refuses: the form comes back with the reason, ready to send again.
    page.set_input_files("#id_file", a_file("empty.txt", b""))
    button.click()
    expect(page.locator(".errorlist")).to_have_text("empty.txt is empty")
    expect(button).to_be_enabled()
    expect(page.locator("#id_file")).to_be_focused()

    sent, held = [], []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.route("**/documents/upload/", lambda route: held.append(route))  # answered below
    page.fill("#id_title", "Minutes")
    page.set_input_files("#id_file", a_file("minutes.txt", b"We met."))

    # when: sent, and sent again while the first is under way
    button.click()
    expect(button).to_be_disabled()
    expect(page.get_by_role("progressbar", name=re.compile(r"Uploading… \d+%"))).to_be_visible()
    axe(page)
    page.locator("form[data-upload]").evaluate("form => form.requestSubmit()")  # Enter, say
    page.wait_for_timeout(300)

    # then: one upload, and its message on the document page
    assert len(sent) == 1
    held[0].continue_()
    expect(page.locator("h1")).to_have_text("Minutes")
    expect(page.locator(".messages")).to_have_text("Uploaded Minutes.")

    # A new revision whose upload fails: said, and the button works again.
    page.route("**/revisions/", lambda route: route.abort())
    page.set_input_files("#id_file", a_file("minutes-2.txt", b"We met again."))
    again = page.get_by_role("button", name="Upload revision")
    again.click()
    expect(page.get_by_role("alert")).to_contain_text("The upload failed")
    expect(again).to_be_enabled()
    page.unroute("**/revisions/")
    again.click()
    expect(page.locator(".messages")).to_have_text("Uploaded a new revision.")
    expect(page.locator("tbody tr").filter(has_text="minutes-2.txt")).to_have_count(1)


def test_live_updates_keep_focus_announce_and_stop_when_nothing_can_change(browser, site, users):
    with operation(actor=f"user:{users.customer.pk}"):
        document = document_upload(
            owner_id=users.customer.pk, title="Memo",
            file=SimpleUploadedFile("memo.txt", b"Short memo"),
        )  # fmt: skip
        (request,) = composition.translation_requests(
            user=users.customer, document_id=document.pk, target_languages=["fr"]
        )
    translator = f"user:{users.translator.pk}"
    with operation(actor=translator):
        services.translation_request_accept(
            request_id=request.pk, translator_id=users.translator.pk
        )
        services.translation_request_deliver(
            request_id=request.pk, translator_id=users.translator.pk,
            file=SimpleUploadedFile("memo-fr.txt", b"Court memo"),
        )  # fmt: skip
    page = browser.new_context().new_page()
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if "/status/" in r.url else None)
    sign_in(page, site, "carla", "carla-pw")
    page.goto(f"{site}/documents/{document.pk}/")
    link = page.get_by_role("link", name="Download translation")
    link.focus()
    # A poll while nothing changed: 204, nothing swapped.
    page.wait_for_event("response", lambda r: "/status/" in r.url and r.status == 204)

    with operation(actor=f"user:{users.customer.pk}"):
        services.translation_request_request_changes(request_id=request.pk, comment="Shorter.")
    expect(page.locator("[data-request]")).to_have_text("changes requested", timeout=10_000)

    assert page.evaluate("document.activeElement.textContent") == "Download translation"
    expect(page.locator("#status [aria-live=polite]")).to_contain_text(
        "French translation of revision 1: changes requested."
    )

    with operation(actor=translator):
        services.translation_request_deliver(
            request_id=request.pk, translator_id=users.translator.pk,
            file=SimpleUploadedFile("memo-fr.txt", b"Memo court"),
        )  # fmt: skip
    with operation(actor=f"user:{users.customer.pk}"):
        services.translation_request_approve(request_id=request.pk)
    expect(page.locator("[data-request]")).to_have_text("completed", timeout=10_000)
    assert polls[-1] == 286  # nothing can change any more: polling stopped
    count = len(polls)
    page.wait_for_timeout(4_500)
    assert len(polls) == count


def test_every_action_fits_a_phone(browser, site, users):
    """At 390 px, every link, button and field of the customer's pages (and the translator's
    own) is on the screen: nothing to find by scrolling sideways."""
    with operation(actor=f"user:{users.customer.pk}"):
        document = document_upload(
            owner_id=users.customer.pk, title="A rather long title for a quarterly report",
            file=SimpleUploadedFile("quarterly-report-2026-q3-final.txt", b"Numbers, words"),
        )  # fmt: skip
        french, _german = composition.translation_requests(
            user=users.customer, document_id=document.pk, target_languages=["fr", "de"]
        )
    with operation(actor=f"user:{users.translator.pk}"):
        services.translation_request_accept(request_id=french.pk, translator_id=users.translator.pk)
        services.translation_request_deliver(
            request_id=french.pk, translator_id=users.translator.pk,
            file=SimpleUploadedFile("rapport.txt", b"Chiffres"),
        )  # fmt: skip
    from eventstore.sealing import seal

    seal()
    correlation = Event.objects.filter(stream_id=french.pk).first().metadata["correlation_id"]
    phone = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    customer = browser.new_context(**phone).new_page()
    sign_in(customer, site, "carla", "carla-pw")
    pages = ["/", "/documents/upload/", f"/documents/{document.pk}/",
             f"/documents/{document.pk}/history/", f"/documents/{document.pk}/history/verify/",
             f"/operations/{correlation}/", "/notifications/", "/notifications/settings/",
             "/translator/languages/", f"/documents/{document.pk}/nothing-here/"]  # fmt: skip
    translator = browser.new_context(**phone).new_page()
    sign_in(translator, site, "tina", "tina-pw")
    for page, path in [*((customer, p) for p in pages), (translator, "/translator/languages/"),
                       (translator, f"/documents/{document.pk}/")]:  # fmt: skip
        page.goto(f"{site}{path}")
        assert controls_off_screen(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_deadlines_are_typed_and_shown_in_the_viewers_time_zone(browser, site, users):
    with operation(actor=f"user:{users.customer.pk}"):
        document = document_upload(
            owner_id=users.customer.pk, title="Memo",
            file=SimpleUploadedFile("memo.txt", b"Short memo"),
        )  # fmt: skip
    page = browser.new_context(timezone_id="America/New_York").new_page()
    sign_in(page, site, "carla", "carla-pw")
    page.goto(f"{site}/documents/{document.pk}/")
    expect(page.get_by_label("Deadline (America/New_York time)")).to_be_visible()
    page.select_option("#id_target_languages", "fr")
    page.fill("#id_deadline", "2031-01-15T17:00")
    page.get_by_role("button", name="Submit for translation").click()

    expect(page.locator("td[data-label=Deadline]")).to_have_text("2031-01-15 17:00 EST")
    (request,) = composition.document_streams(document.pk)[1:]
    assert RequestView.objects.get(pk=request).deadline.isoformat() == "2031-01-15T22:00:00+00:00"


def test_the_pages_the_workflow_does_not_visit_have_no_serious_accessibility_findings(
    browser, site, users, django_user_model, axe
):
    # given: a document with a request accepted (to deliver or give back) and one delivered
    with operation(actor=f"user:{users.customer.pk}"):
        document = document_upload(
            owner_id=users.customer.pk, title="Memo",
            file=SimpleUploadedFile("memo.txt", b"Short memo"),
        )  # fmt: skip
        accepted, delivered = composition.translation_requests(
            user=users.customer, document_id=document.pk, target_languages=["fr", "de"]
        )
    tina = users.translator.pk
    with operation(actor=f"user:{tina}"):
        services.translation_request_accept(request_id=accepted.pk, translator_id=tina)
        services.translation_request_accept(request_id=delivered.pk, translator_id=tina)
        services.translation_request_deliver(
            request_id=delivered.pk, translator_id=tina,
            file=SimpleUploadedFile("memo-de.txt", b"Kurzes Memo"),
        )  # fmt: skip
    first = Event.objects.filter(stream_id=document.pk).order_by("position").first()
    correlation = first.metadata["correlation_id"]  # the upload, its request, their answers
    django_user_model.objects.create_superuser("audrey", password="audrey-pw")

    def visit(page, path: str, status: int = 200) -> None:
        assert page.goto(f"{site}{path}").status == status, path
        axe(page)

    # then: nobody signed in, a customer, a translator, an auditor
    anonymous = browser.new_context().new_page()
    for path in ("/", "/accounts/login/", "/admin/login/"):
        visit(anonymous, path)
    customer = browser.new_context().new_page()
    sign_in(customer, site, "carla", "carla-pw")
    visit(customer, "/notifications/settings/")
    visit(customer, "/translator/languages/", 403)
    visit(customer, "/documents/00000000-0000-0000-0000-000000000000/", 404)
    translator = browser.new_context().new_page()
    sign_in(translator, site, "tina", "tina-pw", admin=True)
    visit(translator, f"/admin/translations/requestview/{accepted.pk}/release/")
    auditor = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(auditor, site, "audrey", "audrey-pw", admin=True)
    visit(auditor, f"/admin/eventstore/event/?q={document.pk}")  # the search box, the count
    visit(auditor, f"/admin/eventstore/event/{first.pk}/change/")
    visit(auditor, f"/admin/eventstore/event/correlation/{correlation}/")
    visit(auditor, "/admin/eventstore/event/verify/")

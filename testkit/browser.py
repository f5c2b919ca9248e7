"""Browser tests' tools: a headless Chromium (Debian's, driven by Playwright), signing in, and
what a page asks of a person's screen."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

# Debian's Chromium, as root, on a machine with no route out: no sandbox, no GPU, and none
# of the background calls home that would fail at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in_to_admin(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("#login-form input[type=submit], #login-form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/admin/login/" not in url)


# Everything a person can click, type in or open, with every <details> opened first so that
# the controls folded inside count too; what has no box (hidden) is nobody's target.
_OFF_SCREEN = """() => {
  for (const details of document.querySelectorAll("details")) details.open = true;
  const clickable = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "[tabindex]:not([tabindex='-1'])";
  return [...document.querySelectorAll(clickable)].filter((el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") {
      return false;
    }
    return box.left < 0 || box.right > document.documentElement.clientWidth + 0.5;
  }).map((el) => `${el.outerHTML.slice(0, 100)} at x=${el.getBoundingClientRect().left}`);
}"""


def controls_off_screen(page) -> list[str]:
    """The controls of ``page`` that start or end outside the viewport's width: on a phone,
    the ones nobody finds without scrolling sideways."""
    return page.evaluate(_OFF_SCREEN)

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import chromium_path
from testkit.axe import AxeMissing, assert_accessible, axe_source

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Debian's Chromium, as root, on a machine with no route out: no sandbox, no GPU, and none
# of the background calls home that would fail at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path) -> Callable:
    """Screenshots of the main pages: into docs/screenshots with UPDATE_SCREENSHOTS=1 (for
    the README), into the test's temporary folder otherwise."""
    folder = DOCS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return shoot


@pytest.fixture(scope="session")
def axe() -> Callable:
    """``axe(page)`` fails the test with every serious or critical accessibility finding that
    axe-core makes on the page as it is now."""
    try:
        axe_source()
    except AxeMissing as exc:
        pytest.fail(str(exc))
    return assert_accessible

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from testkit.axe import AxeMissing, assert_accessible, axe_source

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


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

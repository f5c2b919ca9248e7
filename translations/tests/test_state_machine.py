"""The README's diagram of a request's states is the aggregate's transition table."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from translations.aggregate import FINAL, TRANSITIONS

ARROW = re.compile(r"^\s*(\[\*\]|\w+) --> (\[\*\]|\w+)(?:: (\w+))?\s*$")


def readme_diagram() -> list[tuple[str, str, str]]:
    text = (Path(settings.BASE_DIR) / "README.md").read_text()
    block = text.split("```mermaid\nstateDiagram-v2\n", 1)[1].split("\n```\n", 1)[0]
    return [ARROW.match(line).groups() for line in block.splitlines() if line.strip()]


def test_the_readme_diagram_draws_every_transition_and_no_other():
    arrows = readme_diagram()

    drawn = {(a.replace("[*]", ""), e, b) for a, b, e in arrows if b != "[*]"}
    table = {
        (before, event.split(".", 1)[1], after) for (before, event), after in TRANSITIONS.items()
    }
    assert drawn == table
    finals = {a for a, b, _ in arrows if b == "[*]"}
    assert finals == FINAL == {"rejected", "cancelled", "expired", "completed"}

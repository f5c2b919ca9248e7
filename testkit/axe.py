"""axe-core in the browser tests: what a page's accessibility check finds, said so that the
failure alone tells what to fix.

axe-core is the npm package pinned in ``scripts/axe/package-lock.json``; ``scripts/services up``
installs it into ``scripts/axe/node_modules``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[1] / "scripts/axe/node_modules/axe-core/axe.min.js"
# What blocks people from using a page; "minor" and "moderate" findings are reported by axe
# too but do not fail a test.
BLOCKING = ("serious", "critical")


class AxeMissing(RuntimeError):
    pass


@cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        raise AxeMissing(f"{AXE_JS} is missing: `scripts/services up` installs axe-core")
    return AXE_JS.read_text()


def axe_findings(page: Page, *, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """axe's violations on the page as it is now, those of the given impacts only.

    Evaluated rather than added with ``page.add_script_tag``: the site's Content-Security-Policy
    (``script-src 'self'`` and a nonce) refuses the inline script that ``add_script_tag`` makes,
    and logs a violation the tests count. Code evaluated through the DevTools protocol is not
    subject to the page's policy, so the page is checked with the policy it really has, not in a
    ``bypass_csp`` context that would differ from what people get.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [v for v in violations if v["impact"] in impacts]


def describe(url: str, findings: list[dict]) -> str:
    lines = [f"axe-core: {len(findings)} serious or critical finding(s) on {url}"]
    for finding in findings:
        lines.append(f"- {finding['id']} ({finding['impact']}): {finding['help']}")
        for node in finding["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fails with every serious or critical axe finding on the page (rule, help, elements)."""
    findings = axe_findings(page)
    assert not findings, describe(page.url, findings)

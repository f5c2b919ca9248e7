"""What the browser tests ask of a page beyond its content."""

from __future__ import annotations

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

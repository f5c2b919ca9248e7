"""Word counts of the text formats, the figure translation work is priced and planned by.

Plain text and Markdown are counted as they are; HTML by its visible text; XLIFF by its
source segments; .docx (python-docx) and .odt (odfdo) by their paragraphs and tables. A
format without a reader here (PDF, RTF) has no count (None), as has a file its reader cannot
open: a count is information, never a reason to refuse an upload.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import PurePath
from typing import IO

from defusedxml import ElementTree
from docx import Document as DocxDocument
from odfdo import Document as OdfDocument

logger = logging.getLogger(__name__)

# A word: letters or digits, with inner apostrophes or hyphens ("don't", "e-mail").
WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")


def words(text: str) -> int:
    return len(WORD.findall(text))


def count_words(name: str, file: IO[bytes]) -> int | None:
    """The number of words in the file, by its extension's format; None when the format
    has no reader here or the file cannot be read."""
    reader = READERS.get(PurePath(name).suffix.lower())
    if reader is None:
        return None
    file.seek(0)
    try:
        return words(reader(file))
    except Exception as exc:  # a damaged file keeps its upload, only without a count
        logger.info("word count failed", extra={"file_name": name, "error": str(exc)})
        return None
    finally:
        file.seek(0)


def _plain(file: IO[bytes]) -> str:
    data = file.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class _VisibleText(HTMLParser):
    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag) -> None:
        self.hidden -= tag in self.HIDDEN and self.hidden > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _html(file: IO[bytes]) -> str:
    parser = _VisibleText()
    parser.feed(_plain(file))
    parser.close()
    return " ".join(parser.parts)


def _xliff(file: IO[bytes]) -> str:
    # defusedxml: no entity expansion or external entities from an uploaded file.
    root = ElementTree.parse(file).getroot()
    sources = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("source")]
    return " ".join("".join(source.itertext()) for source in sources)


def _docx(file: IO[bytes]) -> str:
    document = DocxDocument(file)
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return " ".join([*(p.text for p in document.paragraphs), *cells])


def _odt(file: IO[bytes]) -> str:
    # Each paragraph and heading, also in tables and lists, as its own text (the library's
    # formatted text runs a heading into the next paragraph).
    body = OdfDocument(file).body
    blocks = body.get_elements("descendant::text:p | descendant::text:h")
    return " ".join(block.text_recursive for block in blocks)


READERS = {
    ".txt": _plain,
    ".md": _plain,
    ".html": _html,
    ".xlf": _xliff,
    ".xliff": _xliff,
    ".docx": _docx,
    ".odt": _odt,
}

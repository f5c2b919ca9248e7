"""What a file is, judged by its bytes as well as by its name.

The name's extension must be an accepted one, and the bytes must be what that extension
says: a binary format is recognised by its signature (``filetype``); a text format must be
text (UTF-8, no NUL), a plain-text or Markdown file must not be HTML in disguise, and an
XLIFF file must be XML. An executable, an archive or an image under any name is refused,
naming what it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath

import filetype
from django.core.files import File
from django.template.defaultfilters import filesizeformat

HEAD = 8192  # the bytes read to judge a file
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<script[\s>])", re.I)
_SCRIPT = re.compile(rb"<script[\s>]|<iframe[\s>]|\son[a-z]+\s*=", re.I)
_XML = re.compile(rb"^\s*<(\?xml[\s?]|xliff[\s>])")
_PLAIN = {"text/plain", "text/markdown"}
_TEXT = _PLAIN | {"text/html", "application/xliff+xml"}


class UnacceptableFile(ValueError):
    """A file that is not what may be uploaded; the message names what was found."""


def accepted_content_type(name: str, head: bytes, allowed: Mapping[str, str]) -> str:
    """The content type recorded for the file ``name`` whose first bytes are ``head``, if
    ``allowed`` (extension -> content type) accepts both its name and its content."""
    extension = PurePath(name).suffix.lower()
    if extension not in allowed:
        raise UnacceptableFile(
            f"{name}: files of this type are not accepted; upload one of "
            f"{', '.join(sorted(allowed))}"
        )
    expected = allowed[extension]
    found = filetype.guess(head)
    if expected in _TEXT:
        if found is not None:
            raise UnacceptableFile(f"{name} is not text: its content is {_describe(found)}")
        if not _is_text(head):
            raise UnacceptableFile(f"{name} is not text: it holds binary data")
        if expected in _PLAIN and (_HTML.search(head) or _SCRIPT.search(head)):
            raise UnacceptableFile(
                f"{name} is HTML (text/html), not {expected}: upload it as .html"
            )
        if expected == "application/xliff+xml" and not _XML.match(head.lstrip(b"\xef\xbb\xbf")):
            raise UnacceptableFile(f"{name} is not XLIFF: it does not start as an XML document")
        return expected
    if found is None:
        raise UnacceptableFile(f"{name} does not look like {expected}: its content is unknown")
    if found.mime != expected:
        raise UnacceptableFile(
            f"{name} is named like {expected} but its content is {_describe(found)}"
        )
    return expected


def file_content_type(name: str, file: File, allowed: Mapping[str, str]) -> str:
    """``accepted_content_type`` of an uploaded file, judged by its first bytes (the file
    is left at its start)."""
    file.seek(0)
    head = file.read(HEAD)
    file.seek(0)
    return accepted_content_type(name, head, allowed)


def _describe(kind: filetype.Type) -> str:
    return f"{kind.mime} (.{kind.extension})"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end inside a character: only an error before its last bytes counts.
        return exc.start >= len(head) - 3 and len(head) == HEAD
    return True


def sizes_in_words(size: int, limit: int) -> tuple[str, str]:
    """A size beside its limit as people read them (``21.0 MB``, ``20.0 MB``); in bytes when
    the rounded figures would read the same."""
    words = [filesizeformat(n).replace("\xa0", " ") for n in (size, limit)]
    if words[0] == words[1]:
        words = [f"{size:,} bytes", f"{limit:,} bytes"]
    return words[0], words[1]

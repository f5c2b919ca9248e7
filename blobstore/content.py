"""Files stored by content: the name is the sha256 of the bytes, through Django's storage API.

Both bounded contexts keep files this way (source revisions, translations): an event records
the sha256, and the bytes can be found, and checked, from it alone. Storing the same bytes
twice stores them once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse

# Path separators, control characters and quotes have no place in a download's name.
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\"]')


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


def blob_path(sha256: str) -> str:
    return f"blobs/sha256/{sha256[:2]}/{sha256}"


def store_blob(file: File) -> Blob:
    """Saves the file's bytes under their sha256 (once) and returns what identifies them."""
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
    sha256 = digest.hexdigest()
    path = blob_path(sha256)
    if not default_storage.exists(path):
        file.seek(0)
        saved = default_storage.save(path, file)
        if saved != path:  # saved concurrently under the same name: the bytes are the same
            default_storage.delete(saved)
    return Blob(sha256=sha256, size=size)


def open_blob(sha256: str) -> File:
    return default_storage.open(blob_path(sha256), "rb")


def download(sha256: str, filename: str, content_type: str | None = None) -> FileResponse:
    """A stored file as a download: always an attachment, under a safe name, with its
    recorded type, never sniffed or run by the browser (a ``sandbox`` policy, no sniffing)."""
    safe = _UNSAFE_NAME.sub("_", PurePath(filename).name).strip(" .") or f"{sha256[:12]}.bin"
    response = FileResponse(
        open_blob(sha256), as_attachment=True, filename=safe[:200],
        content_type=content_type or "application/octet-stream",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response

"""The log's signing key and the public keys its checkpoints are checked with.

The private key never enters the database: it comes from ``EVENTSTORE_SIGNING_KEY`` or
from the file ``EVENTSTORE_SIGNING_KEY_FILE`` (made on first use, readable by its owner
only). Rotating: generate a new key, put the old key's public (verifier) key into
``EVENTSTORE_TRUSTED_KEYS``, switch. Each checkpoint names its key's id, so older ones stay
verifiable.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from eventstore.notes import NoteError, Signer, Verifier


@cache
def signer() -> Signer:
    """The current signing key (cached per process; tests that change the settings call
    ``signer.cache_clear()``)."""
    if settings.EVENTSTORE_SIGNING_KEY:
        return _checked(Signer.parse(settings.EVENTSTORE_SIGNING_KEY), "EVENTSTORE_SIGNING_KEY")
    path = Path(settings.EVENTSTORE_SIGNING_KEY_FILE)
    if not path.exists():
        _create(path)
    try:
        return _checked(Signer.parse(path.read_text()), str(path))
    except NoteError as exc:
        raise ImproperlyConfigured(f"{path}: {exc}") from None


def trusted_verifiers() -> list[Verifier]:
    """The keys checkpoints may be signed with: the current one (if this host has it: a
    host that only verifies needs no private key) and those rotated out."""
    has_key = settings.EVENTSTORE_SIGNING_KEY or Path(settings.EVENTSTORE_SIGNING_KEY_FILE).exists()
    verifiers = [signer().verifier] if has_key else []
    for vkey in settings.EVENTSTORE_TRUSTED_KEYS:
        try:
            verifiers.append(Verifier.parse(vkey))
        except NoteError as exc:
            raise ImproperlyConfigured(f"EVENTSTORE_TRUSTED_KEYS: {exc}") from None
    return verifiers


def _checked(key: Signer, where: str) -> Signer:
    if key.name != settings.EVENTSTORE_LOG_ORIGIN:
        raise ImproperlyConfigured(
            f"{where} is a key for the log {key.name!r}, but EVENTSTORE_LOG_ORIGIN is "
            f"{settings.EVENTSTORE_LOG_ORIGIN!r}: a checkpoint is signed under its log's name"
        )
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key.skey + "\n")
    try:
        # A link appears whole or not at all: two processes starting at once keep one key,
        # the first one's, and neither reads a half-written file.
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()

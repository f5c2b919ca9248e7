"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint), signed
with Ed25519.

A checkpoint's text is the log's origin, its tree size, the base64 root hash and one
extension line with the time it was sealed::

    translate.example/audit
    1042
    7QYbk4N0l3H0o5fgY0vYw4p6aJr8m3k1C9uO3c6dJ5w=
    time 2026-11-29T03:15:26.123456Z

    — translate.example/audit Ab3xQ1...

Keys are written as the Go ``golang.org/x/mod/sumdb/note`` tools write them: a verifier key
``<name>+<key id hex>+<base64(0x01 || public key)>`` and a signer key ``PRIVATE+KEY+`` with
the private seed in its place. The key id is the first 4 bytes of SHA-256(name, a newline,
0x01, public key); each signature names it, so a log can rotate its key while every older
checkpoint stays verifiable with the older public key.

Standard library and ``cryptography`` only: the offline verifier imports this module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ED25519 = 0x01
_DASH = "\u2014 "
_NAME = re.compile(r"[^\s+]+")  # a key name: no white space, no "+"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class NoteError(ValueError):
    """A note or key that cannot be read, or a signature that does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log's ``origin``, the tree's ``size`` and ``root`` hash, and
    when it was sealed."""

    origin: str
    size: int
    root: bytes
    time: datetime

    def text(self) -> str:
        stamp = self.time.astimezone(UTC).strftime(_TIME_FORMAT)
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\ntime {stamp}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or "" in lines[:-1]:
            raise NoteError("a checkpoint is at least three non-empty lines, each ending in \\n")
        origin, size, root, *extensions = lines[:-1]
        if not re.fullmatch(r"0|[1-9][0-9]{0,18}", size):
            raise NoteError(f"the tree size {size!r} is not a decimal number")
        try:
            root_hash = base64.b64decode(root, validate=True)
        except binascii.Error:
            root_hash = b""
        if len(root_hash) != 32:
            raise NoteError("the root hash is not 32 bytes of base64")
        times = [line[5:] for line in extensions if line.startswith("time ")]
        if len(times) != 1:
            raise NoteError("the checkpoint has no time line (this log writes one)")
        try:
            time = datetime.strptime(times[0], _TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise NoteError(
                f"the time {times[0]!r} is not like 2026-01-31T12:00:00.000000Z"
            ) from None
        return cls(origin, int(size), root_hash, time)


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures, as named in notes."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """From ``<name>+<key id hex>+<base64(0x01 || public key)>``."""
        try:
            name, key_hex, encoded = vkey.strip().split("+", 2)  # base64 may hold "+"
            key = base64.b64decode(encoded, validate=True)
            key_id = bytes.fromhex(key_hex)
        except (ValueError, binascii.Error):
            raise NoteError(f"not a verifier key (name+id+key): {vkey[:60]!r}") from None
        if not _NAME.fullmatch(name) or len(key) != 33 or key[0] != ED25519:
            raise NoteError(f"not an Ed25519 verifier key: {vkey[:60]!r}")
        verifier = cls(name, key_id, Ed25519PublicKey.from_public_bytes(key[1:]))
        if _key_id(name, key[1:]) != key_id:
            raise NoteError(f"the key id of {name!r} does not match its public key")
        return verifier

    @property
    def vkey(self) -> str:
        raw = bytes([ED25519]) + self.public_key.public_bytes_raw()
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> Signer:
        if not _NAME.fullmatch(name):
            raise NoteError(f"a key name has no spaces and no '+': {name!r}")
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """From ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>``."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("not a signer key (PRIVATE+KEY+name+id+key)")
        try:
            seed = base64.b64decode(parts[4], validate=True)
        except binascii.Error:
            seed = b""
        if len(seed) != 33 or seed[0] != ED25519:
            raise NoteError("not an Ed25519 signer key")
        signer = cls(parts[2], Ed25519PrivateKey.from_private_bytes(seed[1:]))
        if signer.verifier.key_id.hex() != parts[3].lower():
            raise NoteError("the signer key's id does not match its key")
        return signer

    @property
    def verifier(self) -> Verifier:
        public = self.private_key.public_key()
        return Verifier(self.name, _key_id(self.name, public.public_bytes_raw()), public)

    @property
    def skey(self) -> str:
        seed = bytes([ED25519]) + self.private_key.private_bytes_raw()
        encoded = base64.b64encode(seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    def sign(self, text: str) -> str:
        """The signed note: the text, a blank line, the signature line."""
        signature = self.private_key.sign(text.encode())
        line = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{_DASH}{self.name} {line}\n"


def open_note(note: str, verifiers: Iterable[Verifier]) -> tuple[str, Verifier]:
    """The note's text and the trusted key that signed it; raises ``NoteError`` saying why
    not (no signature by a trusted key, or a signature that does not hold)."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not text:
        raise NoteError("not a signed note: no blank line before the signatures")
    text += "\n"
    trusted = {(v.name, v.key_id): v for v in verifiers}
    names = []
    for line in signatures.split("\n"):
        if not line:
            continue
        if not line.startswith(_DASH) or line.count(" ") != 2:
            raise NoteError(f"malformed signature line: {line[:60]!r}")
        name, encoded = line[len(_DASH) :].split(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"malformed signature line: {line[:60]!r}") from None
        key_id, signature = raw[:4], raw[4:]
        names.append(f"{name}+{key_id.hex()}")
        verifier = trusted.get((name, key_id))
        if verifier is None:
            continue
        try:
            verifier.public_key.verify(signature, text.encode())
        except InvalidSignature:
            raise NoteError(
                f"the signature by {name}+{key_id.hex()} does not match the note's text"
            ) from None
        return text, verifier
    known = ", ".join(f"{v.name}+{v.key_id.hex()}" for v in trusted.values()) or "none"
    raise NoteError(
        f"not signed by a trusted key: signed by {', '.join(names) or 'nobody'}; trusted: {known}"
    )


def open_checkpoint(note: str, verifiers: Iterable[Verifier]) -> tuple[Checkpoint, Verifier]:
    text, verifier = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(text)
    if checkpoint.origin != verifier.name:
        raise NoteError(
            f"the checkpoint is of log {checkpoint.origin!r} but signed as {verifier.name!r}"
        )
    return checkpoint, verifier


def _key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]

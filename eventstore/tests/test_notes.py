"""Signed notes and checkpoints, held against the reference implementation's example
(golang.org/x/mod/sumdb/note): Ed25519 is deterministic, so the same key signs the same
text into the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventstore.notes import Checkpoint, NoteError, Signer, Verifier, open_checkpoint, open_note

GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUg"
    "YN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_reference_example_signs_and_opens_byte_for_byte() -> None:
    signer = Signer.parse(GO_SKEY)
    assert signer.skey == GO_SKEY
    assert signer.verifier.vkey == GO_VKEY
    assert signer.sign(GO_TEXT) == GO_NOTE
    text, verifier = open_note(GO_NOTE, [Verifier.parse(GO_VKEY)])
    assert text == GO_TEXT
    assert verifier.key_id.hex() == "c74f20a3"


def test_an_edited_text_or_an_unknown_key_is_refused_saying_why() -> None:
    edited = GO_NOTE.replace("cryptography", "cryptographY")
    with pytest.raises(NoteError, match="does not match the note's text"):
        open_note(edited, [Verifier.parse(GO_VKEY)])
    other = Signer.generate("PeterNeumann")
    with pytest.raises(
        NoteError, match="not signed by a trusted key: signed by PeterNeumann\\+c74f20a3"
    ):
        open_note(GO_NOTE, [other.verifier])
    with pytest.raises(NoteError, match="does not match its public key"):
        Verifier.parse(GO_VKEY.replace("c74f20a3", "c74f20a4"))


def test_checkpoints_round_trip_and_must_be_signed_by_their_log() -> None:
    signer = Signer.generate("translate.example/audit")
    checkpoint = Checkpoint(
        "translate.example/audit", 1042, bytes(range(32)), datetime(2026, 11, 29, 3, 15, tzinfo=UTC)
    )
    note = signer.sign(checkpoint.text())
    assert note.startswith(
        "translate.example/audit\n1042\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
        "time 2026-11-29T03:15:00.000000Z\n\n\u2014 translate.example/audit "
    )
    assert open_checkpoint(note, [signer.verifier]) == (checkpoint, signer.verifier)
    impostor = Signer.generate("someone.else/log")
    with pytest.raises(NoteError, match=r"of log 'translate\.example/audit' but signed as"):
        open_checkpoint(impostor.sign(checkpoint.text()), [impostor.verifier])
    with pytest.raises(NoteError, match="tree size"):
        Checkpoint.parse("log\n01\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime x\n")

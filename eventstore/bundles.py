"""Audit bundles: the events of some streams as stored, proven against the latest signed
checkpoint, in the form ``eventstore.verify_bundle`` checks offline."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings

from eventstore import merkle, sealing, tree
from eventstore.hashing import event_content
from eventstore.models import Checkpoint, Event
from eventstore.notes import NoteError, open_checkpoint
from eventstore.sealing import anchor_problem
from eventstore.signing import trusted_verifiers
from eventstore.verification import one_snapshot
from eventstore.verify_bundle import FORMAT


class NothingSealed(LookupError):
    """No checkpoint has been signed yet."""


class TreeDamaged(RuntimeError):
    """The stored tree cannot prove what its checkpoint covers: it was changed."""


def latest_checkpoint() -> Checkpoint:
    latest = sealing.latest_checkpoint()
    if latest is None:
        raise NothingSealed("no checkpoint has been sealed yet: try again in a few seconds")
    return latest


def audit_bundle(stream_ids: Iterable[Any], *, since: int | None = None) -> dict[str, Any]:
    """Every settled event of the streams, in log order, with the inclusion proofs of the
    sealed ones against the latest checkpoint (and, with ``since``, the consistency proof
    from that tree size), read from one snapshot."""
    with one_snapshot():
        checkpoint = latest_checkpoint()
        if since is not None and not 0 < since <= checkpoint.tree_size:
            raise ValueError(
                f"since must be a tree size from 1 to {checkpoint.tree_size} (the latest "
                "checkpoint's)"
            )
        events = list(Event.objects.settled().filter(stream_id__in=list(stream_ids)).in_log_order())
        size = checkpoint.tree_size
        leaves = {
            position: index
            for position, index in tree.leaf_indexes(e.position for e in events).items()
            if index < size  # sealed after the checkpoint was read: not proven by it
        }
        _check_covered(checkpoint, [e for e in events if e.position not in leaves])
        try:
            proofs = tree.inclusion_proofs(leaves.values(), size)
        except merkle.ProofError as exc:
            raise TreeDamaged(f"the stored tree cannot prove these events: {exc}") from None
        bundle = {
            "format": FORMAT,
            "origin": settings.EVENTSTORE_LOG_ORIGIN,
            "checkpoint": checkpoint.note,
            "public_keys": [v.vkey for v in trusted_verifiers()],
            "events": [_entry(event, leaves.get(event.position), proofs) for event in events],
        }
        if since is not None and since < size:
            bundle["consistency"] = [{"from_size": since, "proof": _consistency(since, size)}]
    return bundle


def _check_covered(checkpoint: Checkpoint, unsealed: list[Event]) -> None:
    """Events the checkpoint covers must be in its tree: a bundle would otherwise show a
    rewritten event as merely "not sealed yet"."""
    if not unsealed:
        return
    try:
        head, _ = open_checkpoint(checkpoint.note, trusted_verifiers())
    except NoteError:
        return  # every verifier of the bundle fails it on the checkpoint's signature
    if problem := anchor_problem(checkpoint, head.root):
        raise TreeDamaged(problem)
    for event in unsealed:
        if event.log_key <= checkpoint.log_key:
            raise TreeDamaged(
                f"event #{event.position} comes before the latest checkpoint's last event but "
                "is not in its tree: the event or the tree was changed"
            )


def _consistency(old_size: int, new_size: int) -> list[str]:
    try:
        return _b64(tree.consistency_proof(old_size, new_size))
    except merkle.ProofError as exc:
        raise TreeDamaged(f"the stored tree cannot prove its consistency: {exc}") from None


def consistency(old_size: int, new_size: int | None = None) -> dict[str, Any]:
    """The proof that the tree of ``new_size`` (default: the latest checkpoint's) extends
    the one of ``old_size``."""
    latest = latest_checkpoint()
    new_size = latest.tree_size if new_size is None else new_size
    if not 0 < old_size <= new_size <= latest.tree_size:
        raise ValueError(
            f"need 0 < from <= to <= {latest.tree_size} (the latest checkpoint's tree size)"
        )
    return {
        "from": old_size,
        "to": new_size,
        "proof": _b64(tree.consistency_proof(old_size, new_size)),
    }


def _entry(event: Event, leaf: int | None, proofs: dict[int, list[bytes]]) -> dict[str, Any]:
    return {
        "position": event.position,
        "stream_id": str(event.stream_id),
        "version": event.version,
        "event_type": event.event_type,
        "content": event_content(event).decode(),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "leaf_index": leaf,
        "inclusion_proof": _b64(proofs[leaf]) if leaf is not None else None,
    }


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


VERIFIER_MODULES = ("merkle.py", "notes.py", "verify_bundle.py")


def verifier_zipapp() -> bytes:
    """The offline verifier as one file to hand out: a Python zip application of the three
    modules it needs (``python verify_bundle.pyz BUNDLE --key KEY``; it needs the
    ``cryptography`` package besides Python)."""
    package = Path(__file__).resolve().parent
    buffer = io.BytesIO()
    buffer.write(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "__main__.py",
            "import sys\n\nfrom eventstore.verify_bundle import main\n\nsys.exit(main())\n",
        )
        archive.writestr("eventstore/__init__.py", "")
        for name in VERIFIER_MODULES:
            archive.write(package / name, f"eventstore/{name}")
    return buffer.getvalue()

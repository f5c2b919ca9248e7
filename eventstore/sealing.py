"""The sealer: newly settled events become leaves of the Merkle tree, in log order, and a
signed checkpoint vouches for the tree; each checkpoint is also appended to a witness file
outside the database.

One sealer runs at a time (a transaction-scoped advisory lock that others do not wait for).
It never signs a tree that does not extend what it signed before: the last checkpoint must
verify under a trusted key, the stored tree's root must be the one it signed, the event it
names as its last must be that tree's last leaf, and no checkpoint the witness file holds may
be missing or different in the database. Otherwise it refuses (``SealRefused``) and the seal
lag grows until somebody looks (``verify_events`` names what was changed).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from eventstore import merkle, tree
from eventstore.log import LOG_START
from eventstore.models import Checkpoint, Event, TreeNode
from eventstore.notes import Checkpoint as SignedTreeHead
from eventstore.notes import NoteError, open_checkpoint
from eventstore.signals import checkpoint_sealed
from eventstore.signing import signer, trusted_verifiers

logger = logging.getLogger(__name__)

BATCH = 10_000  # events per checkpoint at most, so a backlog is sealed in bounded steps
_LOCK = "eventstore:sealer"


class SealRefused(RuntimeError):
    """The stored tree does not extend the last signed checkpoint: it was changed."""


def seal(*, batch: int = BATCH) -> Checkpoint | None:
    """Seal every settled event not yet in the tree; returns the newest checkpoint written,
    or None when there was nothing to seal or another sealer is at it."""
    sealed = None
    while True:
        with transaction.atomic():
            if not _take_lock():
                return sealed
            checkpoint, count = _seal_batch(batch)
        if checkpoint is None:
            return sealed
        sealed = checkpoint
        if count < batch:
            return sealed


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size").first()


def _seal_batch(batch: int) -> tuple[Checkpoint | None, int]:
    latest = latest_checkpoint()
    size = latest.tree_size if latest else 0
    events = Event.objects.settled().after(latest.log_key if latest else LOG_START)
    rows = list(events.in_log_order().values_list("log_tx", "position", "hash")[:batch])
    if not rows:
        return None, 0
    _check_witness(latest)
    if latest is not None:
        _check_extends(latest)
    elif TreeNode.objects.exists():
        raise SealRefused("the tree has nodes but there is no checkpoint: checkpoints were removed")
    leaves = [(position, merkle.leaf_hash(bytes.fromhex(hash_))) for _, position, hash_ in rows]
    nodes, root = tree.extend(size, leaves)
    tree.store(nodes)
    now = timezone.now()
    head = SignedTreeHead(settings.EVENTSTORE_LOG_ORIGIN, size + len(rows), root, now)
    key = signer()
    checkpoint = Checkpoint.objects.create(
        tree_size=head.size,
        root_hash=root.hex(),
        sealed_at=now,
        key_id=key.verifier.key_id.hex(),
        note=key.sign(head.text()),
        log_tx=rows[-1][0],
        position=rows[-1][1],
    )
    transaction.on_commit(lambda: _announce(checkpoint), robust=True)
    return checkpoint, len(rows)


def _announce(checkpoint: Checkpoint) -> None:
    """After commit: the witness file first (it needs nothing but the disk), then whoever
    listens (messaging publishes to the Kafka witness)."""
    try:
        record_witness()
    except (OSError, NoteError):
        logger.exception("witness file not written; the next seal catches up")
    finally:
        checkpoint_sealed.send(sender=Checkpoint, checkpoint=checkpoint)


def _check_extends(latest: Checkpoint) -> None:
    try:
        head, _ = open_checkpoint(latest.note, trusted_verifiers())
    except NoteError as exc:
        raise SealRefused(
            f"the last checkpoint ({latest.tree_size}) does not verify: {exc}"
        ) from None
    try:
        stored = tree.root(latest.tree_size)
    except merkle.ProofError as exc:
        raise SealRefused(f"the stored tree is damaged: {exc}; run verify_events") from None
    if (head.size, head.root) != (latest.tree_size, stored):
        raise SealRefused(
            f"the stored tree's root at {latest.tree_size} leaves is not the one its signed "
            "checkpoint names: tree nodes were changed; run verify_events"
        )
    if problem := anchor_problem(latest, head.root):
        raise SealRefused(f"{problem}; run verify_events")


def anchor_problem(checkpoint: Checkpoint, root: bytes) -> str | None:
    """Why the event a checkpoint names as its last (where sealing resumes) is not the last
    leaf of the tree with ``root``, if it is not. The name is not signed: this binds it."""
    size = checkpoint.tree_size
    event = Event.objects.filter(position=checkpoint.position).values_list("log_tx", "hash")
    found = event.first()
    if found is None or found[0] != checkpoint.log_tx:
        return (
            f"checkpoint {size} names event #{checkpoint.position} at log key "
            f"{checkpoint.log_key.token} as its last, but the log has no such event"
        )
    try:
        proof = tree.inclusion_proof(size - 1, size)
        merkle.verify_inclusion(
            size - 1, size, merkle.leaf_hash(bytes.fromhex(found[1])), proof, root
        )
    except merkle.ProofError as exc:
        return (
            f"checkpoint {size} names event #{checkpoint.position} as its last, but that event "
            f"is not its tree's last leaf ({exc})"
        )
    return None


def _check_witness(latest: Checkpoint | None) -> None:
    """The witness file's newest checkpoint must be in the database, unchanged."""
    path = Path(settings.EVENTSTORE_WITNESS_FILE)
    if not path.exists():
        return
    try:
        record = last_witnessed(path)
    except (OSError, NoteError) as exc:
        raise SealRefused(f"the witness file cannot be read: {exc}") from None
    if record is None:
        return
    size, note = record
    held = latest.tree_size if latest else 0
    if held < size:
        raise SealRefused(
            f"the witness file {path} holds a checkpoint of {size} events but the database's "
            f"latest covers {held}: checkpoints were removed (if the database was reset on "
            "purpose, move the witness file away)"
        )
    stored = Checkpoint.objects.filter(tree_size=size).values_list("note", flat=True).first()
    if stored != note:
        raise SealRefused(
            f"the database's checkpoint of {size} events is not the one the witness file {path} "
            "holds: checkpoints were rewritten"
        )


def _take_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_LOCK])
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class SealLag:
    """Settled events not yet in a checkpoint, and when the oldest of them happened."""

    unsealed: int
    oldest: datetime | None
    latest: Checkpoint | None

    @property
    def oldest_age(self) -> float:
        return (timezone.now() - self.oldest).total_seconds() if self.oldest else 0.0


COUNT_LIMIT = 100_000  # counting stops here: past it the figure only says "far behind"


def anything_to_seal() -> bool:
    """Whether committed events (settled or not yet) follow the latest checkpoint."""
    latest = latest_checkpoint()
    return Event.objects.after(latest.log_key if latest else LOG_START).exists()


def seal_lag() -> SealLag:
    latest = latest_checkpoint()
    pending = Event.objects.settled().after(latest.log_key if latest else LOG_START)
    oldest = pending.in_log_order().values_list("occurred_at", flat=True).first()
    return SealLag(pending[:COUNT_LIMIT].count(), oldest, latest)


# --- The witness file ------------------------------------------------------------------


def record_witness() -> int:
    """Append to the witness file every checkpoint it does not hold yet (one JSON object a
    line: ``tree_size`` and the signed ``note``); returns how many. The file is locked while
    it is written, so processes sealing on several hosts' shared volume do not interleave."""
    path = Path(settings.EVENTSTORE_WITNESS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        _drop_partial_line(path)
        record = _last_record(path)
        last = record[0] if record else 0
        written = 0
        for checkpoint in Checkpoint.objects.filter(tree_size__gt=last).order_by("tree_size"):
            line = {"tree_size": checkpoint.tree_size, "note": checkpoint.note}
            file.write(json.dumps(line) + "\n")  # ASCII: the note's dash is escaped
            written += 1
        file.flush()
        os.fsync(file.fileno())
    return written


def witnessed(path: Path) -> Iterator[tuple[int, str]]:
    """The (line number, signed note) of each checkpoint in a witness file (a last line cut
    off by a crash is not a record)."""
    try:
        with open(path, encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_SH)
            lines = file.read().split("\n")
    except UnicodeDecodeError:
        raise NoteError(f"{path}: not a witness file (not UTF-8 text)") from None
    for number, line in enumerate(lines[:-1], start=1):
        if line.strip():
            yield number, _note_of(line, f"{path}:{number}")


def last_witnessed(path: Path) -> tuple[int, str] | None:
    """The (tree size, note) of the witness file's last record."""
    with open(path, "rb") as file:
        fcntl.flock(file, fcntl.LOCK_SH)
        return _last_record(path)


def _note_of(line: str, where: str) -> str:
    try:
        note = json.loads(line)["note"]
    except (ValueError, KeyError, TypeError):
        note = None
    if not isinstance(note, str):
        raise NoteError(f"{where}: not a witness record")
    return note


def _tail(path: Path) -> tuple[int, bytes]:
    """The file's size and its last bytes, from the start of a line."""
    with open(path, "rb") as file:
        end = file.seek(0, os.SEEK_END)
        start = max(0, end - 65536)
        file.seek(start)
        tail = file.read()
    if start:
        tail = tail.partition(b"\n")[2]
    return end, tail


def _last_record(path: Path) -> tuple[int, str] | None:
    """The (tree size, note) of the file's last complete record, if any. The caller holds
    the file's lock."""
    _, tail = _tail(path)
    lines = [line for line in tail.split(b"\n")[:-1] if line.strip()]
    if not lines:
        return None
    where = f"{path}: its last line"
    try:
        size = int(json.loads(lines[-1])["tree_size"])
    except (ValueError, KeyError, TypeError):
        raise NoteError(f"{where} is not a witness record") from None
    return size, _note_of(lines[-1].decode(errors="replace"), where)


def _drop_partial_line(path: Path) -> None:
    """A write cut off by a crash leaves a last line without its newline: drop it (the next
    write appends the whole record again). The caller holds the file's lock."""
    end, tail = _tail(path)
    if end and not tail.endswith(b"\n"):
        os.truncate(path, end - len(tail.rpartition(b"\n")[2]))

"""The sealer: newly settled events become leaves of the Merkle tree, in log order, and a
signed checkpoint vouches for the tree; each checkpoint is also appended to a witness file
outside the database.

One sealer runs at a time (a transaction-scoped advisory lock that others do not wait for).
It never signs a tree that does not extend its last checkpoint: before extending, the
stored tree's root must be the one that checkpoint signed, under a trusted key.
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
from eventstore.models import Checkpoint, Event
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


def _seal_batch(batch: int) -> tuple[Checkpoint | None, int]:
    latest = Checkpoint.objects.order_by("-tree_size").first()
    size = latest.tree_size if latest else 0
    events = Event.objects.settled().after(latest.log_key if latest else LOG_START)
    rows = list(events.in_log_order().values_list("log_tx", "position", "hash")[:batch])
    if not rows:
        return None, 0
    if latest is not None:
        _check_extends(latest)
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
    except OSError:
        logger.exception("witness file not written; the next seal catches up")
    checkpoint_sealed.send(sender=Checkpoint, checkpoint=checkpoint)


def _check_extends(latest: Checkpoint) -> None:
    try:
        head, _ = open_checkpoint(latest.note, trusted_verifiers())
    except NoteError as exc:
        raise SealRefused(
            f"the last checkpoint ({latest.tree_size}) does not verify: {exc}"
        ) from None
    stored = tree.root(latest.tree_size)
    if (head.size, head.root) != (latest.tree_size, stored):
        raise SealRefused(
            f"the stored tree's root at {latest.tree_size} leaves is not the one its signed "
            "checkpoint names: tree nodes were changed; run verify_events"
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


def seal_lag() -> SealLag:
    latest = Checkpoint.objects.order_by("-tree_size").first()
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
        last = _last_size(file)
        written = 0
        for checkpoint in Checkpoint.objects.filter(tree_size__gt=last).order_by("tree_size"):
            record = {"tree_size": checkpoint.tree_size, "note": checkpoint.note}
            file.write(json.dumps(record) + "\n")
            written += 1
        file.flush()
        os.fsync(file.fileno())
    return written


def witnessed(path: Path) -> Iterator[tuple[int, str]]:
    """The (line number, signed note) of each checkpoint in a witness file."""
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)["note"]
                except (ValueError, KeyError, TypeError):
                    raise NoteError(f"{path}:{number}: not a witness record") from None


def _last_size(file) -> int:
    """The tree size of the file's last record (0 for an empty file)."""
    file.seek(0, os.SEEK_END)
    end = file.tell()
    if end == 0:
        return 0
    file.seek(max(0, end - 16384))
    lines = [line for line in file.read().splitlines() if line.strip()]
    try:
        return int(json.loads(lines[-1])["tree_size"])
    except (IndexError, ValueError, KeyError, TypeError):
        raise NoteError(f"{file.name}: its last line is not a witness record") from None

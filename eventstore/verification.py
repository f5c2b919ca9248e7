"""Check the audit trail from one snapshot of the database: every stream's hash chain, and
the Merkle tree over the log against the events, its signed checkpoints and witnesses."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from eventstore import merkle, tree
from eventstore.hashing import GENESIS_HASH, NotCanonical, chain_hash, event_content
from eventstore.log import LogKey
from eventstore.models import Checkpoint, Event, Stream, TreeNode
from eventstore.notes import NoteError, open_checkpoint
from eventstore.signing import trusted_verifiers

# Constant SQL; values bound as parameters.
_AFTER_ROW = '("eventstore_event"."stream_id", "eventstore_event"."version") > (%s, %s)'


@dataclass(frozen=True)
class BrokenLink:
    stream_id: uuid.UUID
    version: int
    event_id: str | None
    reason: str

    def __str__(self) -> str:
        event = f" (event {self.event_id})" if self.event_id else ""
        return f"stream {self.stream_id} version {self.version}{event}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    streams: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(*, batch_size: int = 1000) -> ChainReport:
    """Recompute every event's hash, stream by stream, from one snapshot of the database.

    Finds edited rows (content no longer matches its hash), re-linked or re-hashed rows
    (``prev_hash`` is not the hash of the stream's previous event), deleted rows (a gap in a
    stream's versions), a deleted tail (the stream's head names a later version or another
    hash) and a stream whose events are all gone (a head without events).
    """
    with one_snapshot():
        walk = _Walk(_heads(batch_size))
        for row in _events(batch_size):
            if broken := walk.step(row):
                return ChainReport(walk.checked, walk.streams, broken)
        broken = walk.finish()
        return ChainReport(walk.checked, walk.streams, broken)


class _Walk:
    """The chain walk: events in (stream, version) order, beside the heads in stream order."""

    def __init__(self, heads: Iterator[Stream]) -> None:
        self._heads = heads
        self._head: Stream | None = next(heads, None)
        self.stream: uuid.UUID | None = None
        self.version, self.hash = 0, GENESIS_HASH
        self.checked = self.streams = 0

    def step(self, row: Event) -> BrokenLink | None:
        if row.stream_id != self.stream:
            if broken := self._end_of_stream():
                return broken
            if broken := self._heads_without_events(before=row.stream_id):
                return broken
            self.stream, self.version, self.hash = row.stream_id, 0, GENESIS_HASH
            self.streams += 1
        if row.version != self.version + 1:
            reason = f"missing: the next stored event of the stream is version {row.version}"
            return BrokenLink(row.stream_id, self.version + 1, None, reason)
        if reason := _broken_reason(row, self.hash):
            return BrokenLink(row.stream_id, row.version, str(row.event_id), reason)
        self.version, self.hash = row.version, row.hash
        self.checked += 1
        return None

    def finish(self) -> BrokenLink | None:
        return self._end_of_stream() or self._heads_without_events(before=None)

    def _end_of_stream(self) -> BrokenLink | None:
        """The stream just walked must end where its head says."""
        if self.stream is None:
            return None
        head = self._head if self._head is not None and self._head.pk == self.stream else None
        if head is None:
            reason = "the stream has no head: its head row was removed"
            return BrokenLink(self.stream, self.version, None, reason)
        self._head = next(self._heads, None)
        if (head.version, head.hash) != (self.version, self.hash):
            reason = (
                f"the stream's head is at version {head.version}, but its last stored event is "
                f"version {self.version}: events at its end were removed or the head changed"
            )
            return BrokenLink(self.stream, self.version + 1, None, reason)
        return None

    def _heads_without_events(self, *, before: uuid.UUID | None) -> BrokenLink | None:
        head = self._head
        if head is not None and (before is None or head.pk < before):
            reason = f"the stream's head is at version {head.version}, but it has no events"
            return BrokenLink(head.pk, 1, None, reason)
        return None


def _broken_reason(row: Event, prev_hash: str) -> str | None:
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the hash of the stream's event before it"
    try:
        content = event_content(row)
    except NotCanonical as exc:
        return f"content is not canonical JSON ({exc}): it was not appended as it is now"
    if chain_hash(row.prev_hash, content) != row.hash:
        return "content does not match its hash (the row was changed after it was appended)"
    return None


def _events(batch_size: int) -> Iterator[Event]:
    """Every event in (stream, version) order, in keyset pages over the unique index."""
    rows = Event.objects.order_by("stream_id", "version")
    page = list(rows[:batch_size])
    while page:
        yield from page
        last = page[-1]
        stream = Event._meta.get_field("stream_id").get_db_prep_value(last.stream_id, connection)
        after = RawSQL(_AFTER_ROW, (stream, last.version), output_field=BooleanField())  # noqa: S611
        page = list(rows.filter(after)[:batch_size])


def _heads(batch_size: int) -> Iterator[Stream]:
    heads = Stream.objects.order_by("stream_id")
    page = list(heads[:batch_size])
    while page:
        yield from page
        page = list(heads.filter(stream_id__gt=page[-1].stream_id)[:batch_size])


@contextmanager
def one_snapshot() -> Iterator[None]:
    """Heads and events read from one snapshot, so that appends running meanwhile never
    look like damage. Inside a caller's transaction that has already read, PostgreSQL
    cannot change the snapshot any more: the caller's transaction is used as it is."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


# --- The tree, its checkpoints and witnesses ----------------------------------------------

MAX_PROBLEMS = 20


@dataclass
class TreeReport:
    leaves: int = 0
    checkpoints: int = 0
    witnessed: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


@dataclass(frozen=True)
class AuditReport:
    chain: ChainReport
    tree: TreeReport

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.tree.ok


def verify_audit(
    *, witnesses: Iterable[tuple[str, str]] = (), batch_size: int = 1000
) -> AuditReport:
    """Everything ``verify_chain`` checks, and in the same snapshot: each checkpoint's
    signature under a trusted key; the tree's leaves against the events in log order (an
    event edited, removed, reordered or added in the sealed part shows); every stored node
    and every checkpoint's root recomputed from the leaves, so each checkpoint is shown to
    extend the one before; and each witnessed checkpoint (``(label, signed note)``, e.g. from
    the witness file) against the tree by a consistency proof to the latest checkpoint."""
    witnesses = list(witnesses)
    with one_snapshot():
        chain = verify_chain(batch_size=batch_size)
        report = TreeReport()
        _verify_tree(report, witnesses, batch_size)
    return AuditReport(chain, report)


def _verify_tree(report: TreeReport, witnesses: list[tuple[str, str]], batch_size: int) -> None:
    trusted = trusted_verifiers()
    expected: dict[int, list[tuple[str, bytes]]] = {}  # size -> (who says so, root)
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    last_events = {row.tree_size: row.log_key for row in checkpoints}
    report.checkpoints = len(checkpoints)
    for row in checkpoints:
        label = f"checkpoint {row.tree_size}"
        try:
            head, _ = open_checkpoint(row.note, trusted)
        except NoteError as exc:
            report.problem(f"{label}: {exc}")
            continue
        if (head.size, head.root.hex()) != (row.tree_size, row.root_hash):
            report.problem(f"{label}: its row does not match its signed note")
        expected.setdefault(head.size, []).append((label, head.root))
    size = checkpoints[-1].tree_size if checkpoints else 0
    valid_witnesses = []
    for label, note in witnesses:
        report.witnessed += 1
        try:
            head, _ = open_checkpoint(note, trusted)
        except NoteError as exc:
            report.problem(f"witness {label}: {exc}")
            continue
        if head.size > size:
            report.problem(
                f"witness {label}: a checkpoint of {head.size} events was witnessed, but the "
                f"database's tree holds {size}: sealed events or checkpoints were removed"
            )
            continue
        expected.setdefault(head.size, []).append((f"witness {label}", head.root))
        valid_witnesses.append((label, head))
    _walk_leaves(report, size, expected, last_events, batch_size)
    if report.ok and checkpoints:
        latest = bytes.fromhex(checkpoints[-1].root_hash)
        for label, head in valid_witnesses:
            try:
                proof = tree.consistency_proof(head.size, size)
                merkle.verify_consistency(head.size, size, head.root, latest, proof)
            except merkle.ProofError as exc:
                report.problem(f"witness {label}: not consistent with the latest checkpoint: {exc}")


def _walk_leaves(
    report: TreeReport,
    size: int,
    expected: dict[int, list[tuple[str, bytes]]],
    last_events: dict[int, LogKey],
    batch_size: int,
) -> None:
    """The leaves, stored nodes and roots recomputed from the events in log order."""
    frontier = tree.Frontier(0, [])
    levels: dict[int, Iterator[tuple]] = {}
    leaves = _stored_nodes(0, batch_size)
    events = _in_log_order(batch_size)
    for index in range(size):
        leaf, event = next(leaves, None), next(events, None)
        if leaf is None or leaf[0] != index:
            report.problem(f"leaf {index}: missing from the tree (tree nodes were removed)")
            return
        _, leaf_hash, leaf_position = leaf
        if event is None:
            report.problem(
                f"leaf {index} is event #{leaf_position}, but the log ends before it: sealed "
                "events were removed (the log was truncated)"
            )
            return
        _, position, event_hash = event
        if leaf_position != position:
            report.problem(
                f"leaf {index} is event #{leaf_position}, but the log's event there is "
                f"#{position}: events were removed, inserted or reordered"
            )
            return
        computed = merkle.leaf_hash(bytes.fromhex(event_hash))
        if bytes(leaf_hash) != computed:
            report.problem(
                f"leaf {index} (event #{position}): the event's hash is not the one "
                "sealed: the event was rewritten after it was sealed"
            )
            return
        for level, node_index, hash_ in frontier.append(computed)[1:]:
            stored = next(levels.setdefault(level, _stored_nodes(level, batch_size)), None)
            if stored is None or (stored[0], bytes(stored[1])) != (node_index, hash_):
                report.problem(f"tree node level {level} index {node_index} was changed or removed")
                return
        report.leaves += 1
        named = last_events.get(index + 1)
        if named is not None and named != LogKey(*event[:2]):
            report.problem(
                f"checkpoint {index + 1} names the event at log key {named.token} as its last, "
                f"but its last leaf is event #{position}: the checkpoint's row was changed"
            )
        for label, root in expected.get(index + 1, ()):
            if root != frontier.root():
                report.problem(
                    f"{label}: its root hash is not the root of the first {index + 1} events "
                    "as stored: history was rewritten after it was signed"
                )
    report.unsealed = sum(1 for _ in events)


def _stored_nodes(level: int, batch_size: int) -> Iterator[tuple]:
    """(index, hash, position) of a level's nodes, in index order."""
    rows = TreeNode.objects.filter(level=level).order_by("index")
    fields = ("index", "hash", "position")
    page = list(rows.values_list(*fields)[:batch_size])
    while page:
        yield from page
        page = list(rows.filter(index__gt=page[-1][0]).values_list(*fields)[:batch_size])


def _in_log_order(batch_size: int) -> Iterator[tuple]:
    """(log_tx, position, hash) of the settled events, in log order."""
    rows = Event.objects.settled().in_log_order()
    fields = ("log_tx", "position", "hash")
    page = list(rows.values_list(*fields)[:batch_size])
    while page:
        yield from page
        after = LogKey(*page[-1][:2])
        page = list(rows.after(after).values_list(*fields)[:batch_size])

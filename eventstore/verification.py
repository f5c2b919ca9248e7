"""Walk the hash chain and report the first link that does not hold."""

from __future__ import annotations

from dataclasses import dataclass

from eventstore.hashing import GENESIS_HASH, NotCanonical, chain_hash, event_content
from eventstore.models import ChainHead, Event


@dataclass(frozen=True)
class BrokenLink:
    position: int
    event_id: str | None
    reason: str

    def __str__(self) -> str:
        event = f" (event {self.event_id})" if self.event_id else ""
        return f"position {self.position}{event}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_position: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(*, batch_size: int = 1000) -> ChainReport:
    """Recompute every hash in position order.

    Finds edited rows (content no longer matches its hash), re-linked or re-hashed rows
    (``prev_hash`` is not the predecessor's hash), deleted rows (a gap in the gapless
    positions) and a deleted tail (the chain head points past the last row).
    """
    prev_hash, checked, last = GENESIS_HASH, 0, 0
    while rows := list(Event.objects.filter(position__gt=last).order_by("position")[:batch_size]):
        for row in rows:
            if row.position != last + 1:
                reason = f"missing: the next stored event is at position {row.position}"
                return ChainReport(checked, last, BrokenLink(last + 1, None, reason))
            reason = _broken_reason(row, prev_hash)
            if reason:
                return ChainReport(
                    checked, last, BrokenLink(row.position, str(row.event_id), reason)
                )
            prev_hash, last, checked = row.hash, row.position, checked + 1
    head = ChainHead.objects.get(pk=1)
    if head.position != last or head.hash != prev_hash:
        reason = (
            f"the chain head is at position {head.position}, but the last stored event is at "
            f"{last}: events at the end were removed or the head was changed"
        )
        return ChainReport(checked, last, BrokenLink(last + 1, None, reason))
    return ChainReport(checked, last, None)


def _broken_reason(row: Event, prev_hash: str) -> str | None:
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the hash of the event before it"
    try:
        content = event_content(row)
    except NotCanonical as exc:
        return f"content is not canonical JSON ({exc}): it was not appended as it is now"
    if chain_hash(row.prev_hash, content) != row.hash:
        return "content does not match its hash (the row was changed after it was appended)"
    return None

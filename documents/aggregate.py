"""The Document aggregate: its revisions and whether a translation request holds it locked.

State is folded from the document's event stream; command methods decide the events to
append, or raise a ``DocumentError`` that says why not.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from documents import events
from eventstore.aggregates import Aggregate
from eventstore.store import NewEvent, RecordedEvent
from kernel.errors import Conflict


class DocumentError(Conflict):
    """A command the document's current state does not allow (a conflict, not bad input)."""


class DocumentLockedError(DocumentError):
    def __init__(self, request_id: str):
        self.request_id = request_id
        super().__init__(
            f"the document is locked by translation request {request_id}; cancel it or wait "
            "until it is delivered before uploading a new revision"
        )


@dataclass(frozen=True)
class Revision:
    revision: int
    filename: str
    sha256: str
    size: int
    content_type: str


class Document(Aggregate):
    stream_type = events.STREAM_TYPE

    def __init__(self, stream_id: uuid.UUID) -> None:
        super().__init__(stream_id)
        self.owner_id: int | None = None
        self.title = ""
        self.revisions: list[Revision] = []
        self.locked_by: str | None = None  # the translation request's id

    @property
    def latest_revision(self) -> int:
        return len(self.revisions)

    # --- commands ---------------------------------------------------------------------
    @staticmethod
    def upload(*, owner_id: int, title: str, file: Revision) -> list[NewEvent]:
        data = {"owner_id": owner_id, "title": title, **asdict(file), "revision": 1}
        return [NewEvent(events.DOCUMENT_UPLOADED.name, data)]

    def upload_revision(self, file: Revision) -> list[NewEvent]:
        if self.locked_by is not None:
            raise DocumentLockedError(self.locked_by)
        data = {**asdict(file), "revision": self.latest_revision + 1}
        return [NewEvent(events.REVISION_UPLOADED.name, data)]

    def lock(self, *, request_id: str, revision: int, customer_id: int) -> list[NewEvent]:
        """The reply to a translation request: locked, or rejected with the reason."""
        if self.locked_by == request_id:
            return []  # already locked for this request
        reason = self._lock_refusal(revision, customer_id)
        if reason:
            data = {"request_id": request_id, "revision": revision, "reason": reason}
            return [NewEvent(events.DOCUMENT_LOCK_REJECTED.name, data)]
        data = {"request_id": request_id, "revision": revision}
        return [NewEvent(events.DOCUMENT_LOCKED.name, data)]

    def unlock(self, *, request_id: str, reason: str) -> list[NewEvent]:
        if self.locked_by != request_id:
            return []  # held by no one, or by another request: nothing to release
        return [
            NewEvent(events.DOCUMENT_UNLOCKED.name, {"request_id": request_id, "reason": reason})
        ]

    def _lock_refusal(self, revision: int, customer_id: int) -> str:
        if customer_id != self.owner_id:
            return "the document belongs to another customer"
        if self.locked_by is not None:
            return f"the document is locked by translation request {self.locked_by}"
        if revision != self.latest_revision:
            return (
                f"revision {revision} is not the latest; the latest is "
                f"revision {self.latest_revision}"
            )
        return ""

    # --- state ------------------------------------------------------------------------
    def apply(self, event: RecordedEvent) -> None:
        data = event.data
        match event.event_type:
            case events.DOCUMENT_UPLOADED.name:
                self.owner_id, self.title = data["owner_id"], data["title"]
                self.revisions.append(_revision(data))
            case events.REVISION_UPLOADED.name:
                self.revisions.append(_revision(data))
            case events.DOCUMENT_LOCKED.name:
                self.locked_by = data["request_id"]
            case events.DOCUMENT_UNLOCKED.name:
                self.locked_by = None

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "owner_id": self.owner_id,
            "title": self.title,
            "revisions": [asdict(r) for r in self.revisions],
            "locked_by": self.locked_by,
        }

    def restore_snapshot(self, state: dict[str, Any]) -> None:
        self.owner_id, self.title = state["owner_id"], state["title"]
        self.revisions = [Revision(**r) for r in state["revisions"]]
        self.locked_by = state["locked_by"]


def _revision(data: dict[str, Any]) -> Revision:
    return Revision(**{k: data[k] for k in Revision.__dataclass_fields__})

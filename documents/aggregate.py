"""The Document aggregate: its revisions and the translation requests that hold it locked.

A document is locked while any translation request of its locked revision is in progress:
several languages of the same revision may be translated at once, each request holding the
lock, which is released when the last one ends. While locked, no new revision, no request for
an older revision and no second request for a language already in progress.

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
from kernel.languages import in_words, language_name


class DocumentError(Conflict):
    """A command the document's current state does not allow (a conflict, not bad input)."""


@dataclass(frozen=True)
class Hold:
    """A translation request that holds the document locked."""

    request_id: str
    revision: int
    language: str  # "" for a lock taken before locks named their language

    def in_words(self) -> str:
        language = f"{language_name(self.language)} " if self.language else ""
        return (
            f"the {language}translation of revision {self.revision} (request {self.request_id[:8]})"
        )


class DocumentLockedError(DocumentError):
    def __init__(self, holds: list[Hold]):
        self.request_ids = [hold.request_id for hold in holds]
        super().__init__(
            f"the document is locked while {in_words(h.in_words() for h in holds)} "
            f"{'is' if len(holds) == 1 else 'are'} in progress; cancel "
            f"{'it' if len(holds) == 1 else 'them'} or wait until "
            f"{'it is' if len(holds) == 1 else 'they are'} delivered before uploading a new "
            "revision"
        )


@dataclass(frozen=True)
class Revision:
    revision: int
    filename: str
    sha256: str
    size: int
    content_type: str
    word_count: int | None = None


class Document(Aggregate):
    stream_type = events.STREAM_TYPE
    snapshot_schema_version = 2  # 2: the holds of the lock (1: one request id)

    def __init__(self, stream_id: uuid.UUID) -> None:
        super().__init__(stream_id)
        self.owner_id: int | None = None
        self.title = ""
        self.revisions: list[Revision] = []
        self.holds: dict[str, Hold] = {}  # by request id, in the order they were taken

    @property
    def latest_revision(self) -> int:
        return len(self.revisions)

    @property
    def locked_revision(self) -> int | None:
        return next(iter(self.holds.values())).revision if self.holds else None

    # --- commands ---------------------------------------------------------------------
    @staticmethod
    def upload(
        *, owner_id: int, title: str, file: Revision, language: str | None = None
    ) -> list[NewEvent]:
        data = {
            "owner_id": owner_id, "title": title, "language": language, **asdict(file),
            "revision": 1,
        }  # fmt: skip
        return [NewEvent(events.DOCUMENT_UPLOADED.name, data)]

    def upload_revision(self, file: Revision) -> list[NewEvent]:
        if self.holds:
            raise DocumentLockedError(list(self.holds.values()))
        data = {**asdict(file), "revision": self.latest_revision + 1}
        return [NewEvent(events.REVISION_UPLOADED.name, data)]

    def lock(
        self, *, request_id: str, revision: int, customer_id: int, language: str = ""
    ) -> list[NewEvent]:
        """The reply to a translation request: locked (or one more hold on the lock), or
        rejected with the reason."""
        if request_id in self.holds:
            return []  # already held by this request
        reason = self._lock_refusal(revision, customer_id, language)
        if reason:
            data = {"request_id": request_id, "revision": revision, "reason": reason}
            return [NewEvent(events.DOCUMENT_LOCK_REJECTED.name, data)]
        data = {"request_id": request_id, "revision": revision, "target_language": language}
        return [NewEvent(events.DOCUMENT_LOCKED.name, data)]

    def unlock(self, *, request_id: str, reason: str) -> list[NewEvent]:
        """The request ended: its hold is released (the document is unlocked with the last)."""
        if request_id not in self.holds:
            return []  # never held, or already released: nothing to do
        return [
            NewEvent(events.DOCUMENT_UNLOCKED.name, {"request_id": request_id, "reason": reason})
        ]

    def _lock_refusal(self, revision: int, customer_id: int, language: str) -> str:
        if customer_id != self.owner_id:
            return "the document belongs to another customer"
        if revision != self.latest_revision:
            return (
                f"revision {revision} is not the latest; the latest is "
                f"revision {self.latest_revision}"
            )
        # A hold taken before holds named their language stands for any language: then one
        # request held the whole document.
        same = [h for h in self.holds.values() if h.language in (language, "")]
        if same:
            return f"{same[0].in_words()} is already in progress"
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
                request_id = data["request_id"]
                language = data.get("target_language", "")
                self.holds[request_id] = Hold(request_id, data["revision"], language)
            case events.DOCUMENT_UNLOCKED.name:
                self.holds.pop(data["request_id"], None)

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "owner_id": self.owner_id,
            "title": self.title,
            "revisions": [asdict(r) for r in self.revisions],
            "holds": [asdict(h) for h in self.holds.values()],
        }

    def restore_snapshot(self, state: dict[str, Any]) -> None:
        self.owner_id, self.title = state["owner_id"], state["title"]
        self.revisions = [Revision(**r) for r in state["revisions"]]
        self.holds = {h["request_id"]: Hold(**h) for h in state["holds"]}


def _revision(data: dict[str, Any]) -> Revision:
    return Revision(**{k: data[k] for k in Revision.__dataclass_fields__})

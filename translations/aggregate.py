"""The TranslationRequest aggregate: one request to translate one pinned document revision
into one language, and its status machine (``TRANSITIONS``; the README draws it).

A translator accepts an open request (or declines it: it stays open for the others), may
release it again with a reason, and delivers; the customer approves a delivery or asks for
changes, and the translator delivers again. Every delivery is kept, numbered. A delivery not
answered within ``TRANSLATIONS_AUTO_APPROVE_DAYS`` is approved automatically.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventstore.aggregates import Aggregate
from eventstore.store import NewEvent, RecordedEvent
from kernel.errors import Conflict, NotAllowed
from translations import events

PENDING, OPEN, REJECTED, CANCELLED = "pending", "open", "rejected", "cancelled"
ACCEPTED, DELIVERED, EXPIRED = "accepted", "delivered", "expired"
CHANGES_REQUESTED, COMPLETED = "changes_requested", "completed"
STATUSES = [
    PENDING, OPEN, REJECTED, CANCELLED, ACCEPTED, DELIVERED, CHANGES_REQUESTED, COMPLETED,
    EXPIRED,
]  # fmt: skip

# (status, event) -> the status after it: every transition of a request. A command is allowed
# in the statuses its event leaves from; the README's diagram is checked against this table.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("", events.TRANSLATION_REQUESTED.name): PENDING,
    (PENDING, events.TRANSLATION_OPENED.name): OPEN,
    (PENDING, events.TRANSLATION_REJECTED.name): REJECTED,
    (PENDING, events.TRANSLATION_CANCELLED.name): CANCELLED,
    (OPEN, events.TRANSLATION_CANCELLED.name): CANCELLED,
    (PENDING, events.TRANSLATION_EXPIRED.name): EXPIRED,
    (OPEN, events.TRANSLATION_EXPIRED.name): EXPIRED,
    (OPEN, events.TRANSLATION_DECLINED.name): OPEN,
    (OPEN, events.TRANSLATION_ACCEPTED.name): ACCEPTED,
    (ACCEPTED, events.TRANSLATION_RELEASED.name): OPEN,
    (CHANGES_REQUESTED, events.TRANSLATION_RELEASED.name): OPEN,
    (ACCEPTED, events.TRANSLATION_DELIVERED.name): DELIVERED,
    (DELIVERED, events.CHANGES_REQUESTED.name): CHANGES_REQUESTED,
    (CHANGES_REQUESTED, events.TRANSLATION_DELIVERED.name): DELIVERED,
    (DELIVERED, events.DELIVERY_APPROVED.name): COMPLETED,
}


def status_after(status: str, event: RecordedEvent) -> str:
    """The status a request is in after ``event``. A delivery recorded before deliveries
    were reviewed (it has no ``delivery`` number) was final when it was made: its request
    is completed (and the documents context released its lock then)."""
    if event.event_type == events.TRANSLATION_DELIVERED.name and "delivery" not in event.data:
        return COMPLETED
    return TRANSITIONS[(status, event.event_type)]


def statuses_before(event_type: str) -> set[str]:
    """The statuses in which ``event_type`` may happen."""
    return {before for before, event in TRANSITIONS if event == event_type}


# Where nothing can happen to a request any more.
FINAL = {status for status in STATUSES if not any(before == status for before, _ in TRANSITIONS)}
CANCELLABLE = statuses_before(events.TRANSLATION_CANCELLED.name)
DELIVERABLE = statuses_before(events.TRANSLATION_DELIVERED.name)
RELEASABLE = statuses_before(events.TRANSLATION_RELEASED.name)
EXPIRABLE = statuses_before(events.TRANSLATION_EXPIRED.name)


class TransitionError(Conflict):
    """A command the request's current status does not allow; says which status it is in."""

    def __init__(self, action: str, status: str, allowed: set[str]):
        self.status = status
        super().__init__(
            f"cannot {action} a request that is {_words(status)}; only a request that is "
            f"{' or '.join(sorted(_words(s) for s in allowed))} can be"
        )


def _words(status: str) -> str:
    return status.replace("_", " ")


class TranslationRequest(Aggregate):
    stream_type = events.STREAM_TYPE

    def __init__(self, stream_id: uuid.UUID) -> None:
        super().__init__(stream_id)
        self.status = ""
        self.document_id = ""
        self.revision = 0
        self.source_sha256 = ""
        self.customer_id: int | None = None
        self.deadline: str | None = None
        self.translator_id: int | None = None
        self.declined_by: set[int] = set()
        self.deliveries = 0  # how many deliveries were made

    # --- commands ---------------------------------------------------------------------
    @staticmethod
    def request(
        *,
        document_id: uuid.UUID,
        revision: int,
        source_sha256: str,
        customer_id: int,
        target_language: str,
        deadline: datetime | None,
        note: str,
        word_count: int | None = None,
        source_language: str | None = None,
        document_title: str = "",
    ) -> list[NewEvent]:
        data = {
            "document_id": str(document_id),
            "revision": revision,
            "source_sha256": source_sha256,
            "customer_id": customer_id,
            "target_language": target_language,
            "deadline": deadline.isoformat() if deadline else None,
            "note": note,
            "word_count": word_count,
            "source_language": source_language,
            "document_title": document_title,
        }
        return [NewEvent(events.TRANSLATION_REQUESTED.name, data)]

    def open(self) -> list[NewEvent]:
        if self.status != PENDING:
            return []  # cancelled meanwhile: the documents context will unlock
        return [NewEvent(events.TRANSLATION_OPENED.name, {})]

    def reject(self, reason: str) -> list[NewEvent]:
        if self.status != PENDING:
            return []
        return [NewEvent(events.TRANSLATION_REJECTED.name, {"reason": reason})]

    def cancel(self) -> list[NewEvent]:
        self._require("cancel", events.TRANSLATION_CANCELLED)
        return [
            NewEvent(events.TRANSLATION_CANCELLED.name, {"reason": "cancelled by the customer"})
        ]

    def accept(self, translator_id: int) -> list[NewEvent]:
        self._require("accept", events.TRANSLATION_ACCEPTED)
        if translator_id in self.declined_by:
            raise Conflict("you declined this request; it is offered to other translators")
        return [NewEvent(events.TRANSLATION_ACCEPTED.name, {"translator_id": translator_id})]

    def decline(self, translator_id: int, reason: str = "") -> list[NewEvent]:
        """Not for this translator: it stays open for the others and is not offered to them
        again."""
        self._require("decline", events.TRANSLATION_DECLINED)
        if translator_id in self.declined_by:
            return []  # declined already
        data = {"translator_id": translator_id, "reason": reason}
        return [NewEvent(events.TRANSLATION_DECLINED.name, data)]

    def release(self, translator_id: int, reason: str) -> list[NewEvent]:
        """The accepting translator gives the work back: open again for any translator."""
        self._require("release", events.TRANSLATION_RELEASED)
        self._require_translator(translator_id, "release it")
        data = {"translator_id": translator_id, "reason": reason}
        return [NewEvent(events.TRANSLATION_RELEASED.name, data)]

    def deliver(
        self, *, translator_id: int, sha256: str, filename: str, size: int
    ) -> list[NewEvent]:
        self._require("deliver", events.TRANSLATION_DELIVERED)
        self._require_translator(translator_id, "deliver it")
        data = {
            "translator_id": translator_id,
            "source_sha256": self.source_sha256,
            "translated_sha256": sha256,
            "filename": filename,
            "size": size,
            "delivery": self.deliveries + 1,
        }
        return [NewEvent(events.TRANSLATION_DELIVERED.name, data)]

    def request_changes(self, comment: str) -> list[NewEvent]:
        self._require("request changes to", events.CHANGES_REQUESTED)
        data = {"delivery": self.deliveries, "comment": comment}
        return [NewEvent(events.CHANGES_REQUESTED.name, data)]

    def approve(self, *, automatically: bool = False) -> list[NewEvent]:
        self._require("approve", events.DELIVERY_APPROVED)
        data = {"delivery": self.deliveries, "automatically": automatically}
        return [NewEvent(events.DELIVERY_APPROVED.name, data)]

    def expire(self, now: datetime) -> list[NewEvent]:
        if self.status not in EXPIRABLE or not self.deadline:
            return []
        if datetime.fromisoformat(self.deadline) > now:
            return []
        return [NewEvent(events.TRANSLATION_EXPIRED.name, {"deadline": self.deadline})]

    def _require(self, action: str, event_type) -> None:
        allowed = statuses_before(event_type.name)
        if self.status not in allowed:
            raise TransitionError(action, self.status, allowed)

    def _require_translator(self, translator_id: int, action: str) -> None:
        if translator_id != self.translator_id:
            raise NotAllowed(f"only the translator who accepted the request can {action}")

    # --- state ------------------------------------------------------------------------
    def apply(self, event: RecordedEvent) -> None:
        data = event.data
        self.status = status_after(self.status, event)
        match event.event_type:
            case events.TRANSLATION_REQUESTED.name:
                self.document_id, self.revision = data["document_id"], data["revision"]
                self.source_sha256 = data["source_sha256"]
                self.customer_id, self.deadline = data["customer_id"], data.get("deadline")
            case events.TRANSLATION_ACCEPTED.name:
                self.translator_id = data["translator_id"]
            case events.TRANSLATION_RELEASED.name:
                self.translator_id = None
            case events.TRANSLATION_DECLINED.name:
                self.declined_by.add(data["translator_id"])
            case events.TRANSLATION_DELIVERED.name:
                self.deliveries = data.get("delivery", self.deliveries + 1)

    def snapshot_state(self) -> dict[str, Any] | None:
        return None  # a request has a handful of events

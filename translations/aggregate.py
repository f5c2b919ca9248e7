"""The TranslationRequest aggregate: one request to translate one pinned document revision,
and its status machine.

    pending --DocumentLocked--> open --accept--> accepted --deliver--> delivered
       |  \\--DocumentLockRejected--> rejected
       |                         open --deadline--> expired
       +--cancel (pending/open)--> cancelled
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
STATUSES = [PENDING, OPEN, REJECTED, CANCELLED, ACCEPTED, DELIVERED, EXPIRED]
ACTIVE = {PENDING, OPEN, ACCEPTED}  # the document stays locked (or about to be)
CANCELLABLE = {PENDING, OPEN}
EXPIRABLE = {PENDING, OPEN}


class TransitionError(Conflict):
    """A command the request's current status does not allow; says which status it is in."""

    def __init__(self, action: str, status: str, allowed: set[str]):
        self.status = status
        super().__init__(
            f"cannot {action} a request that is {status}; only a request that is "
            f"{' or '.join(sorted(allowed))} can be"
        )


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
    ) -> list[NewEvent]:
        data = {
            "document_id": str(document_id),
            "revision": revision,
            "source_sha256": source_sha256,
            "customer_id": customer_id,
            "target_language": target_language,
            "deadline": deadline.isoformat() if deadline else None,
            "note": note,
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
        self._require("cancel", CANCELLABLE)
        return [
            NewEvent(events.TRANSLATION_CANCELLED.name, {"reason": "cancelled by the customer"})
        ]

    def accept(self, translator_id: int) -> list[NewEvent]:
        self._require("accept", {OPEN})
        return [NewEvent(events.TRANSLATION_ACCEPTED.name, {"translator_id": translator_id})]

    def deliver(
        self, *, translator_id: int, sha256: str, filename: str, size: int
    ) -> list[NewEvent]:
        self._require("deliver", {ACCEPTED})
        if translator_id != self.translator_id:
            raise NotAllowed("only the translator who accepted the request can deliver it")
        data = {
            "translator_id": translator_id,
            "source_sha256": self.source_sha256,
            "translated_sha256": sha256,
            "filename": filename,
            "size": size,
        }
        return [NewEvent(events.TRANSLATION_DELIVERED.name, data)]

    def expire(self, now: datetime) -> list[NewEvent]:
        if self.status not in EXPIRABLE or not self.deadline:
            return []
        if datetime.fromisoformat(self.deadline) > now:
            return []
        return [NewEvent(events.TRANSLATION_EXPIRED.name, {"deadline": self.deadline})]

    def _require(self, action: str, allowed: set[str]) -> None:
        if self.status not in allowed:
            raise TransitionError(action, self.status, allowed)

    # --- state ------------------------------------------------------------------------
    def apply(self, event: RecordedEvent) -> None:
        data = event.data
        match event.event_type:
            case events.TRANSLATION_REQUESTED.name:
                self.status = PENDING
                self.document_id, self.revision = data["document_id"], data["revision"]
                self.source_sha256 = data["source_sha256"]
                self.customer_id, self.deadline = data["customer_id"], data.get("deadline")
            case events.TRANSLATION_OPENED.name:
                self.status = OPEN
            case events.TRANSLATION_REJECTED.name:
                self.status = REJECTED
            case events.TRANSLATION_CANCELLED.name:
                self.status = CANCELLED
            case events.TRANSLATION_ACCEPTED.name:
                self.status, self.translator_id = ACCEPTED, data["translator_id"]
            case events.TRANSLATION_DELIVERED.name:
                self.status = DELIVERED
            case events.TRANSLATION_EXPIRED.name:
                self.status = EXPIRED

    def snapshot_state(self) -> dict[str, Any] | None:
        return None  # a request has a handful of events

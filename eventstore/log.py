"""The global log's order, and how far a reader may follow it without skipping an event.

Appends run concurrently, so positions (a sequence) are handed out in append order, not in
commit order: a transaction can take position 7, another position 8 and commit first. A
reader that moved past 8 would never see 7. So the log is ordered by ``(log_tx, position)``,
where ``log_tx`` is the appending transaction's id (or, if later, the previous event of the
same stream's ``log_tx``, so that a stream's events stay in version order), and readers only
read below the *watermark*: the oldest transaction id still running, other than their own.
Every transaction below it has ended, so no event can appear there any more: what a reader
sees below the watermark is final, in an order every reader shares. A stalled writer holds
readers back only from the point of its own events on. (A reader that has itself appended
also sees its own transaction's events, as any reader sees its own writes.)

SQLite runs one writer at a time, so there positions are commit-ordered, ``log_tx`` is 0 and
there is no watermark.
"""

from __future__ import annotations

from dataclasses import dataclass

# The first transaction ids are reserved by PostgreSQL; a real ``log_tx`` is at least 3.
START_TX = 0


@dataclass(frozen=True, order=True)
class LogKey:
    """An event's place in the log; readers resume after the key of the last event read."""

    log_tx: int
    position: int

    @property
    def token(self) -> str:
        """The key in a URL or a cursor: ``<log_tx>.<position>``."""
        return f"{self.log_tx}.{self.position}"

    @classmethod
    def parse(cls, token: str) -> LogKey:
        """Reads a ``token``; raises ValueError with what is wrong."""
        log_tx, dot, position = token.partition(".")
        if not (dot and log_tx.isdigit() and position.isdigit()):
            raise ValueError(f"not a log position: {token!r} (expected <number>.<number>)")
        return cls(int(log_tx), int(position))


LOG_START = LogKey(START_TX, 0)

"""Helpers for tests that run real transactions side by side on separate connections."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections


class Worker(threading.Thread):
    """Runs ``target`` on its own thread, hence its own database connection; keeps the
    result or the exception for the test to assert on."""

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._target_fn = target
        self.result: Any = None
        self.error: BaseException | None = None
        self.backend_pid: int | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.result = self._target_fn()
        except BaseException as exc:  # handed to the test thread
            self.error = exc
        finally:
            connections.close_all()

    def start_and_wait(self, timeout: float = 30) -> Any:
        self.start()
        return self.outcome(timeout)

    def outcome(self, timeout: float = 30) -> Any:
        self.join(timeout)
        assert not self.is_alive(), "worker did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def wait_until_blocked_on_lock(
    backend_pid_of: Callable[[], int | None], timeout: float = 10
) -> None:
    """Wait until PostgreSQL reports the backend as waiting for a lock (not a sleep-and-hope:
    it asks the server what the other transaction is doing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = backend_pid_of()
        if pid is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
        time.sleep(0.01)
    raise AssertionError("the other transaction never waited for the lock")

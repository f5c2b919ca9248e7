"""When the relay runs: a relay *session*, queued by commits and by beat's sweep.

A session relays the log, then keeps polling it (every ``POLL`` seconds) for at least
``AWAKE_MIN`` seconds and for ``IDLE`` seconds after the last event it published, and says
so: it promises, in the shared cache, until when it will poll. A commit therefore needs no
relay request while a session is awake, nor while one is queued (a queued session, once
started, polls for ``AWAKE_MIN`` at least). Each process remembers until when its commits
are covered, so a commit costs no I/O at all then; otherwise it asks once: it reads the
promise, or queues one session unless one is queued (a mark taken with ``cache.add``, which
the session removes as it starts). A burst of commits thus leaves at most one relay task
waiting, and each process asks at most about once per ``AWAKE_MIN``. A session keeps every
promise it made, and while events wait above the watermark for an open transaction it
stays on until they settle.

With Celery eager (the embedded mode) the run happens in the committing thread, after the
runs of other threads; a commit made by the relaying thread itself (an in-process consumer
appending) only makes the running relay go round once more.
"""

from __future__ import annotations

import threading
import time

from celery import current_app, shared_task
from django.conf import settings
from django.core.cache import cache

from messaging.relay import destination, relay_log

POLL = 0.01  # how often an awake session reads the log
AWAKE_MIN = 1.0  # a session, once started, polls for at least this long
IDLE = 2.0  # and on for this long after the last event it published
MARGIN = 0.1  # a process counts on a promise only until this long before it ends
PENDING_TTL = 10  # a "session queued" mark outlives a lost task this long at most

# Per destination: until when this process's commits are covered by a session.
_covered_until: dict[str, float] = {}


@shared_task(name="messaging.relay", ignore_result=True)
def relay_task() -> int:
    """One relay session (see the module's docstring)."""
    name = destination()
    promised = _promise(name, time.time() + AWAKE_MIN)
    cache.delete(_key("pending", name))  # from now on, commits ask again (and see the promise)
    published, last_activity = 0, time.time()
    while True:
        polled_at = time.time()
        run = relay_log()
        published += run.published
        if run.published or run.held_back:
            last_activity = polled_at
        wanted = last_activity + IDLE
        if polled_at >= promised and polled_at >= wanted and not run.held_back:
            return published  # every promise kept: this poll began after the last one
        if wanted > promised - AWAKE_MIN / 2:
            promised = _promise(name, max(wanted, polled_at + AWAKE_MIN))
        time.sleep(POLL)


@shared_task(name="messaging.relay_sweep", ignore_result=True)
def relay_sweep() -> None:
    """Beat's safety net: a relay session unless one is awake or queued."""
    request_relay(force=True)


def relay_after_commit(**_signal: object) -> None:
    """Receives the event store's ``events_committed``."""
    if not settings.MESSAGING_RELAY_ON_COMMIT:
        return
    # Covered: the common case under load, decided without I/O (only set when not eager).
    if time.time() < _covered_until.get(destination(), 0.0):
        return
    request_relay()


def request_relay(*, force: bool = False) -> None:
    """Queue a relay session unless one is awake or queued; note until when this process's
    commits are covered. ``force`` asks the cache even if this process thinks it covered."""
    if current_app.conf.task_always_eager:
        _relay_here()
        return
    name, now = destination(), time.time()
    if not force and now < _covered_until.get(name, 0.0):
        return
    promised = cache.get(_key("awake", name)) or 0.0
    if promised - MARGIN > now:
        _covered_until[name] = promised - MARGIN
        return
    if cache.add(_key("pending", name), now, timeout=PENDING_TTL):
        relay_task.delay()
    # A session is queued and has not started (it removes the mark as it starts): once
    # started it polls for AWAKE_MIN at least, so commits until then are covered.
    _covered_until[name] = now + AWAKE_MIN - MARGIN


def _promise(name: str, until: float) -> float:
    cache.set(_key("awake", name), until, timeout=int(until - time.time()) + 60)
    return until


def _key(kind: str, name: str) -> str:
    return f"messaging:relay-{kind}:{name}"


# Relaying in the committing thread (Celery eager): one thread at a time, each waiting for
# its turn, so that its own events are published when its request returns.
_relaying = threading.Lock()
_here = threading.local()
_again = threading.Event()
# How long a committing thread waits for events held back above the watermark by another
# transaction still open (it ends in moments: a request, a racing command that lost).
HELD_BACK_WAIT = 5.0


def _relay_here() -> None:
    if getattr(_here, "relaying", False):
        _again.set()  # a consumer appended while this thread relays: it goes round again
        return
    with _relaying:
        _here.relaying = True
        try:
            deadline = time.monotonic() + HELD_BACK_WAIT
            while True:
                _again.clear()
                run = relay_log()
                if _again.is_set():
                    continue
                if not (run.held_back or run.busy) or time.monotonic() > deadline:
                    return
                time.sleep(0.005)
        finally:
            _here.relaying = False

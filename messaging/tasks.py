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

import logging
import threading
import time

from celery import current_app, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connections

from eventstore.sealing import anything_to_seal, seal
from messaging.relay import destination, relay_log
from messaging.witness import publish_checkpoints

logger = logging.getLogger(__name__)

POLL = 0.01  # how often an awake session reads the log
AWAKE_MIN = 1.0  # a session, once started, polls for at least this long
IDLE = 2.0  # and on for this long after the last event it published
MARGIN = 0.1  # a process counts on a promise only until this long before it ends
PENDING_TTL = 10  # a "session queued" mark outlives a lost task this long at most

# Per destination: until when (this process's monotonic clock) its commits are covered.
_covered_until: dict[str, float] = {}


@shared_task(name="messaging.relay", ignore_result=True)
def relay_task() -> int:
    """One relay session (see the module's docstring). Promises are durations kept by the
    cache (a key that expires), so no two hosts' clocks are ever compared."""
    name = destination()
    promised = _promise(name, AWAKE_MIN)
    cache.delete(_key("pending", name))  # from now on, commits ask again (and see the promise)
    published, last_activity = 0, time.monotonic()
    while True:
        polled_at = time.monotonic()
        run = relay_log()
        published += run.published
        if run.published or run.held_back or run.busy:
            last_activity = polled_at
        wanted = last_activity + IDLE
        if polled_at >= promised and polled_at >= wanted:
            return published  # every promise kept: this poll began after the last one
        if wanted > promised - AWAKE_MIN / 2:
            promised = _promise(name, max(wanted, polled_at + AWAKE_MIN) - polled_at)
        # Held back by an open transaction: no point in polling at full speed.
        time.sleep(POLL * 5 if run.held_back else POLL)


@shared_task(name="messaging.relay_sweep", ignore_result=True)
def relay_sweep() -> None:
    """Beat's safety net: a relay session unless one is awake or queued."""
    request_relay(force=True)


def relay_after_commit(**_signal: object) -> None:
    """Receives the event store's ``events_committed``."""
    if not settings.MESSAGING_RELAY_ON_COMMIT:
        return
    # Covered: the common case under load, decided without I/O (only set when not eager).
    if time.monotonic() < _covered_until.get(destination(), 0.0):
        return
    request_relay()


def request_relay(*, force: bool = False) -> None:
    """Queue a relay session unless one is awake or queued; note until when this process's
    commits are covered. ``force`` asks the cache even if this process thinks it covered."""
    if current_app.conf.task_always_eager:
        _relay_here()
        return
    name, now = destination(), time.monotonic()
    if not force and now < _covered_until.get(name, 0.0):
        return
    awake = cache.pttl(_key("awake", name)) / 1000  # seconds the promise has left, or 0
    if awake > MARGIN:
        _covered_until[name] = now + awake - MARGIN
        return
    if cache.add(_key("pending", name), 1, timeout=PENDING_TTL):
        relay_task.delay()
    # A session is queued and has not started (it removes the mark as it starts): once
    # started it polls for AWAKE_MIN at least, so commits until then are covered.
    _covered_until[name] = now + AWAKE_MIN - MARGIN


def _promise(name: str, seconds: float) -> float:
    """Promise to poll for ``seconds`` more; returns until when, on this host's clock."""
    cache.set(_key("awake", name), 1, timeout=seconds)
    return time.monotonic() + seconds


def _key(kind: str, name: str) -> str:
    return f"messaging:relay-{kind}:{name}"


# Relaying in the committing thread (Celery eager): one thread at a time, each waiting for
# its turn, so that its own events are published when its request returns.
_relaying = threading.Lock()
_here = threading.local()
_again = threading.Event()
# Events held back above the watermark by another open transaction (a request still at work,
# a racing command that lost) settle in moments: the committing thread waits this long for
# them, then leaves them to a thread that retries in the background.
HELD_BACK_WAIT = 0.5
HELD_BACK_RETRY = 0.05
_retrying = threading.Lock()


def _relay_here(*, wait: float = HELD_BACK_WAIT) -> bool:
    """Relay in this process; returns whether events were left held back or unpublished."""
    if getattr(_here, "relaying", False):
        _again.set()  # a consumer appended while this thread relays: it goes round again
        return False
    with _relaying:
        _here.relaying = True
        try:
            deadline = time.monotonic() + wait
            while True:
                _again.clear()
                run = relay_log()
                if _again.is_set():
                    continue
                if not (run.held_back or run.busy):
                    return False
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
        finally:
            _here.relaying = False
    _retry_in_the_background()
    return True


def _retry_in_the_background() -> None:
    """One thread per process retries until what was held back is published."""
    if not _retrying.acquire(blocking=False):
        return  # one is at it already

    def retry() -> None:
        give_up = time.monotonic() + 60  # held back this long: the next commit asks again
        try:
            while _relay_here(wait=0) and time.monotonic() < give_up:
                time.sleep(HELD_BACK_RETRY)
        finally:
            _retrying.release()
            connections.close_all()

    threading.Thread(target=retry, name="relay-held-back", daemon=True).start()


# --- Sealing: checkpoints over the log ---------------------------------------------------


@shared_task(name="messaging.seal_events", ignore_result=True)
def seal_events() -> int:
    """Beat's sealer: seal what committed since the last checkpoint and publish the
    checkpoints the Kafka witness has not received yet. Returns the tree size."""
    checkpoint = seal()
    publish_checkpoints()
    return checkpoint.tree_size if checkpoint else 0


def witness_after_seal(checkpoint: object = None, **_signal: object) -> None:
    """Receives the event store's ``checkpoint_sealed`` (also from ``manage.py
    seal_events``): the Kafka witness gets it at once."""
    try:
        publish_checkpoints()
    except Exception:  # Kafka down: the next seal publishes it (from the witness cursor)
        logger.warning("checkpoint not published to the Kafka witness yet", exc_info=True)


# In the embedded mode (Celery eager, no beat) a thread of the app's process seals every
# EVENTSTORE_SEAL_INTERVAL seconds while there is anything to seal. A commit marks the work
# (``_commits``) before it looks for the thread, and the thread looks at the mark again after
# it let go of its lock, so no commit is left behind by a thread on its way out.
_sealer_running = threading.Lock()
_commits = threading.Event()


def seal_after_commit(**_signal: object) -> None:
    """Receives ``events_committed``."""
    if not (current_app.conf.task_always_eager and settings.EVENTSTORE_SEAL_IN_PROCESS):
        return
    _commits.set()
    _start_sealer()


def _start_sealer() -> None:
    if _sealer_running.acquire(blocking=False):
        threading.Thread(target=_sealer, name="sealer", daemon=True).start()


def _sealer() -> None:
    try:
        while True:
            time.sleep(settings.EVENTSTORE_SEAL_INTERVAL)
            _commits.clear()
            try:
                seal()
                if not anything_to_seal() and not _commits.is_set():
                    return
            except Exception:
                logger.exception("sealing failed; the next commit tries again")
                return
    finally:
        _sealer_running.release()
        connections.close_all()
        if _commits.is_set():  # a commit came as this thread was leaving
            _start_sealer()

"""Real processes for tests: a Celery worker (with its beat) on the test database, and the
local Kafka broker stopped and started through scripts/services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
SERVICES = REPO / "scripts" / "services"

# A Redis database of their own, so no task queued by anything else reaches these workers.
WORKER_BROKER_DB = 9


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def worker_broker_url() -> str:
    parts = urlsplit(settings.CELERY_BROKER_URL)
    return urlunsplit(parts._replace(path=f"/{WORKER_BROKER_DB}"))


def test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test_ database)."""
    db = connection.settings_dict
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST']}:{db['PORT']}/{db['NAME']}"


class CeleryWorker:
    """``celery worker -B`` in its own process group: the prefork pool with one child that
    runs the relay, and beat sweeping the outbox every few seconds as in production."""

    def __init__(self, workdir: Path, **env: str) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.test_settings",
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": worker_broker_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EVENT_BUS": settings.EVENT_BUS,
            "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.workdir / f"worker-{self.starts}.log"

    def start(self) -> CeleryWorker:
        self.starts += 1
        command = [
            sys.executable, "-m", "celery", "-A", "project", "worker", "--beat",
            "--schedule", str(self.workdir / "beat-schedule"), "--concurrency", "1",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        ]  # fmt: skip
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(self._ready, timeout=60, what=f"the Celery worker (log: {self.log})")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the Celery worker exited:\n{self.log.read_text()[-3000:]}")
        return "ready." in self.log.read_text()

    def kill(self) -> None:
        """SIGKILL to the whole group: the main process, the pool child and beat die at once,
        with no chance to finish, acknowledge or clean anything up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def services(*args: str) -> None:
    subprocess.run([str(SERVICES), *args], check=True, capture_output=True, timeout=180)

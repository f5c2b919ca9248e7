"""Real processes for tests: a Celery worker (with its beat) and consumers on the test
database, and the local Kafka broker stopped and started through scripts/services."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
SERVICES = REPO / "scripts" / "services"


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test_ database)."""
    db = connection.settings_dict
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST']}:{db['PORT']}/{db['NAME']}"


class AppProcess:
    """One of the app's long-running processes, run from this checkout on the test database,
    in its own process group, logging JSON lines to a file in ``workdir``."""

    def __init__(self, name: str, command: list[str], ready: str, workdir: Path, **env: str):
        self.name, self.command, self.ready_marker, self.workdir = name, command, ready, workdir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.test_settings",
            "DATABASE_URL": test_database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EVENT_BUS": settings.EVENT_BUS,
            "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
            "LOG_FORMAT": "json",
            # The same log key and witness file as the test's own process.
            "EVENTSTORE_SIGNING_KEY_FILE": str(settings.EVENTSTORE_SIGNING_KEY_FILE),
            "EVENTSTORE_WITNESS_FILE": str(settings.EVENTSTORE_WITNESS_FILE),
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}-{self.starts}.log"

    def start(self) -> AppProcess:
        self.starts += 1
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, *self.command], cwd=REPO, env=self.env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(self._ready, timeout=60, what=f"{self.name} to start (log: {self.log})")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
        return self.ready_marker in self.log.read_text()

    def log_lines(self) -> list[dict]:
        """The JSON log lines of every start so far (other output skipped)."""
        lines = []
        for start in range(1, self.starts + 1):
            path = self.workdir / f"{self.name}-{start}.log"
            for line in path.read_text().splitlines():
                if line.startswith("{"):
                    lines.append(json.loads(line))
        return lines

    def kill(self) -> None:
        """SIGKILL to the whole group: every process of it dies at once, with no chance to
        finish, acknowledge or clean anything up."""
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


def celery_worker(workdir: Path, **env: str) -> AppProcess:
    """``celery worker --beat``: the prefork pool with one child that runs the relay, and
    beat sweeping (a relay run) every few seconds as in production."""
    command = [
        "-m", "celery", "-A", "project", "worker", "--beat",
        "--schedule", str(workdir / "beat-schedule"), "--concurrency", "1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    return AppProcess("worker", command, "ready.", workdir, **env)


def consumer_process(name: str, workdir: Path, *, replica: int = 0, **env: str) -> AppProcess:
    """``manage.py consume <name>``; ``replica`` tells the processes of one group apart."""
    label = f"consume-{name}" + (f"-{replica}" if replica else "")
    return AppProcess(label, ["manage.py", "consume", name], "reading", workdir, **env)


def services(*args: str) -> None:
    subprocess.run([str(SERVICES), *args], check=True, capture_output=True, timeout=180)


class KafkaCluster:
    """A three-node KRaft cluster of its own (``SERVICES_KAFKA_NODES=3``) on ports beside the
    shared broker's, in a state directory of its own, started and stopped through
    scripts/services like the shared one."""

    def __init__(self, state: Path, *, port: int = 59392) -> None:
        self.state, self.port = state, port
        self.env = {
            **os.environ, "SERVICES_DIR": str(state), "SERVICES_KAFKA_NODES": "3",
            "SERVICES_KAFKA_PORT": str(port), "SERVICES_KAFKA_CONTROLLER_PORT": str(port + 1),
        }  # fmt: skip
        self.bootstrap = ",".join(f"127.0.0.1:{port + 2 * i}" for i in range(3))

    def _services(self, *args: str) -> None:
        done = subprocess.run(
            [str(SERVICES), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise AssertionError(f"scripts/services {' '.join(args)}:\n{done.stderr[-3000:]}")

    def up(self) -> None:
        """Starts the nodes that are not running (all, or one that was killed)."""
        self._services("up", "kafka")

    def kill(self, node: int) -> None:
        """SIGKILL to one broker: no controlled shutdown, no leadership handed over."""
        folder = self.state / ("kafka" if node == 1 else f"kafka-{node}")
        os.kill(int((folder / "kafka.pid").read_text()), signal.SIGKILL)

    def down(self) -> None:
        self._services("down", "--purge")

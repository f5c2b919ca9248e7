"""Load test: simulated customers and translators through the whole workflow (Locust,
headless, bounded in users and time) against gunicorn and the distributed pipeline.

Starts, on the benchmark's database, topics and Redis database: gunicorn, a Celery worker
(the relay), and the documents, translations and notifications consumers; makes one customer
and one translator per simulated user; runs ``load/locustfile.py``; then waits for the
pipeline to drain and checks that every workflow completed, that no request failed and that
``verify_events`` finds the event store intact. Prints workflows/s and p95 per endpoint.

Run: ``make load``, or with the variables of ``scripts/services env`` set:
``python benchmarks/load_test.py [--users 10] [--seconds 120] [--workers 4]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from api_throughput import wait_for_port
from setup import REPO, setup_django

PORT = 58124
HERE = Path(__file__).resolve().parent


def accounts(count: int) -> list[tuple[str, str]]:
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from accounts.roles import CUSTOMERS, TRANSLATORS

    pairs = []
    for n in range(count):
        tokens = []
        for role, group in (("customer", CUSTOMERS), ("translator", TRANSLATORS)):
            user, _ = User.objects.get_or_create(username=f"load-{role}-{n}")
            user.groups.add(Group.objects.get_or_create(name=group)[0])
            tokens.append(Token.objects.get_or_create(user=user)[0].key)
        pairs.append(tuple(tokens))
    return pairs


def start(name: str, command: list[str], env: dict, workdir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *command], cwd=REPO, env=env, start_new_session=True,
        stdout=(workdir / f"{name}.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10, help="simulated customer+translator pairs")
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        sys.exit("set KAFKA_BOOTSTRAP_SERVERS (see `scripts/services env`)")
    workdir = Path(tempfile.mkdtemp(prefix="load-test-"))
    env = {
        "EVENT_BUS": "kafka", "KAFKA_TOPIC_PREFIX": f"load{uuid.uuid4().hex[:8]}.",
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/11",
        "DJANGO_DEBUG": "false", "MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
        "EVENTSTORE_WITNESS_FILE": str(workdir / "checkpoints.jsonl"),
    }  # fmt: skip
    # A database made anew: new topics get the whole log first, and history is not the point.
    url = setup_django(fresh=True, **env)
    from django.core.management import call_command

    from translations.models import RequestView

    pairs = accounts(args.users)
    before = set(RequestView.objects.values_list("pk", flat=True))
    app_env = {**os.environ, **env, "DATABASE_URL": url, "CELERY_TASK_ALWAYS_EAGER": "false"}
    processes = [
        start("gunicorn", ["-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{PORT}",
                           "--workers", str(args.workers)], app_env, workdir),
        start("worker", ["-m", "celery", "-A", "project", "worker", "--beat", "--concurrency",
                         "2", "--schedule", str(workdir / "beat"), "--loglevel", "WARNING"],
              app_env, workdir),
        *(start(f"consume-{name}", ["manage.py", "consume", name], app_env, workdir)
          for name in ("documents", "translations", "notifications")),
    ]  # fmt: skip
    result = workdir / "result.json"
    try:
        wait_for_port(PORT)
        time.sleep(8)  # the worker and the consumers connect and are assigned
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, PostgreSQL {url}, "
              f"gunicorn {args.workers} sync workers, {args.users} simulated pairs for "
              f"{args.seconds} s")  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(HERE / "load" / "locustfile.py"),
             "--headless", "--users", str(args.users), "--spawn-rate", str(args.users),
             "--run-time", f"{args.seconds}s", "--stop-timeout", "90", "--only-summary",
             "--host", f"http://127.0.0.1:{PORT}", "--csv", str(workdir / "locust"),
             "--loglevel", "WARNING"],
            env={**os.environ, "LOAD_ACCOUNTS": json.dumps(pairs), "LOAD_RESULT": str(result)},
            check=False, stdout=(workdir / "locust.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        new = RequestView.objects.exclude(pk__in=before)
        deadline = time.monotonic() + 60
        while new.exclude(status="completed").exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:  # a task still in hand at the end
                os.killpg(process.pid, signal.SIGKILL)

    completed = json.loads(result.read_text())["completed"]
    with (workdir / "locust_stats.csv").open() as stats:
        rows = list(csv.DictReader(stats))
    failures = sum(int(row["Failure Count"]) for row in rows)
    print(f"{'endpoint':<30}{'requests':>10}{'failures':>10}{'p50 ms':>9}{'p95 ms':>9}")
    for row in rows:
        print(f"{row['Name']:<30}{row['Request Count']:>10}{row['Failure Count']:>10}"
              f"{row['50%']:>9}{row['95%']:>9}")  # fmt: skip
    unfinished = new.exclude(status="completed").count()
    print(
        f"workflows: {len(completed)} completed in {args.seconds} s = "
        f"{len(completed) / args.seconds:.2f}/s; each took p50 "
        f"{sorted(completed)[len(completed) // 2]:.1f} s"
        if completed
        else "workflows: none"
    )
    print(f"requests made {new.count()}, not completed {unfinished}; failures {failures}")
    call_command("verify_events")
    if failures or unfinished or not completed:
        sys.exit(f"load test failed: {failures} failures, {unfinished} unfinished workflows "
                 f"(logs in {workdir})")  # fmt: skip


if __name__ == "__main__":
    main()

"""Uploads per second through the REST API under gunicorn on PostgreSQL: 1 client beside 8.

Starts gunicorn on the benchmark database in the distributed configuration (the relay is
queued on Redis after each commit, on a Redis database of the benchmark's own; no worker runs,
so only the request's own work is timed), then lets N client processes POST
``/api/documents/`` (multipart, a new small file each) as fast as answers come for a fixed
time. Prints requests/s and the p50/p99 latency per client count (every answer must be a
201), and how many relay tasks the uploads left queued.

Run: ``make bench``, or with the variables of ``scripts/services env`` set:
``python benchmarks/api_throughput.py [--seconds 8] [--clients 1 8] [--workers 4]``.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from setup import REPO, setup_django

PORT = 58123


def upload_body(n: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    content = f"Benchmark letter {n} {uuid.uuid4()}\n".encode()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nLetter {n}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="l{n}.txt"'
            f"\r\nContent-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def client(token: str, seconds: float, start, results) -> None:
    start.wait()  # the clock starts now for every client
    deadline, latencies, n, failures = time.perf_counter() + seconds, [], 0, []
    while (t0 := time.perf_counter()) < deadline:
        body, content_type = upload_body(n)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        conn.request(
            "POST",
            "/api/documents/",
            body=body,
            headers={"Authorization": f"Token {token}", "Content-Type": content_type},
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        latencies.append(time.perf_counter() - t0)
        if response.status != 201:
            failures.append(response.status)
        n += 1
    results.put((latencies, failures))


def run(token: str, clients: int, seconds: float) -> tuple[float, list[float], list[int]]:
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(clients + 1), ctx.Queue()
    processes = [ctx.Process(target=client, args=(token, seconds, start, results))
                 for _ in range(clients)]  # fmt: skip
    for p in processes:
        p.start()
    start.wait()
    latencies, failures = [], []
    for _ in processes:
        lat, fail = results.get(timeout=seconds + 120)
        latencies += lat
        failures += fail
    for p in processes:
        p.join()
    return len(latencies) / seconds, latencies, failures


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer on {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        sys.exit("set CELERY_BROKER_URL to Redis (see `scripts/services env`)")

    media = tempfile.mkdtemp(prefix="api-bench-media-")
    broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/14"
    env = {
        "EVENT_BUS": "kafka",
        "CELERY_BROKER_URL": broker,
        "DJANGO_DEBUG": "false",
        "MEDIA_ROOT": media,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    url = setup_django(**env)
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from accounts.roles import CUSTOMERS

    user, _ = User.objects.get_or_create(username="bench-customer")
    user.groups.add(Group.objects.get_or_create(name=CUSTOMERS)[0])
    token = Token.objects.get_or_create(user=user)[0].key

    log = Path(media) / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(args.workers)],
        cwd=REPO, env={**os.environ, **env, "DATABASE_URL": url},
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(PORT)
        run(token, 1, 1)  # warm every worker up
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL {url}, gunicorn "
              f"{args.workers} sync workers, {args.seconds:g} s each")  # fmt: skip
        print(f"{'POST /api/documents/':<36}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
        for clients in args.clients:
            rate, lat, failures = run(token, clients, args.seconds)
            if failures:
                sys.exit(f"{len(failures)} answers were not 201: {sorted(set(failures))}")
            q = statistics.quantiles(lat, n=100)
            print(f"{f'{clients} client(s)':<36}{rate:>10.0f}{q[49] * 1000:>9.2f}"
                  f"{q[98] * 1000:>9.2f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(30)
        print(f"relay tasks left queued by the uploads: {purge_relay_tasks(broker)}")


def purge_relay_tasks(broker: str) -> int:
    from kombu import Connection

    with Connection(broker) as conn:
        return conn.default_channel.queue_purge("celery") or 0


if __name__ == "__main__":
    main()

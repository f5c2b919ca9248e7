"""scripts/services knows whose servers it runs: another checkout's (here: another state
directory on the same ports) are neither used nor stopped."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import redis
from django.conf import settings

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "services"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.registry]


def services(*args: str, state: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args], env={**os.environ, "SERVICES_DIR": str(state)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_another_checkouts_servers_are_named_not_used_nor_stopped(tmp_path):
    status = services("status", state=tmp_path)
    assert status.returncode == 1
    for service in ("postgres", "redis", "kafka", "registry"):
        line = next(x for x in status.stdout.splitlines() if x.startswith(service))
        assert "OTHER" in line and "another checkout's" in line

    refused = services("up", "redis", state=tmp_path)
    assert refused.returncode == 1
    assert "is served by another checkout's redis" in refused.stderr
    assert "SERVICES_REDIS_PORT" in refused.stderr  # and says how to move this one's ports

    services("down", "redis", state=tmp_path)
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).ping()  # still up: not ours to stop

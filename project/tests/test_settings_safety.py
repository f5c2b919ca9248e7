"""Production is the default: no key, no start; no DEBUG unless asked; `check --deploy` clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**clean, "DJANGO_SETTINGS_MODULE": "project.settings", **env},
    )  # fmt: skip


def test_without_a_secret_key_the_app_refuses_to_start_with_a_message():
    result = manage("check")

    assert result.returncode == 1
    assert result.stderr.startswith("DJANGO_SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_debug_is_off_unless_asked_for_and_development_needs_no_key():
    shell = (
        "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    )
    production = manage("shell", "-v", "0", "-c", shell, DJANGO_SECRET_KEY="x" * 60)
    development = manage("shell", "-v", "0", "-c", shell, DJANGO_DEBUG="true")

    assert production.stdout.split() == ["False", "True"]
    assert development.stdout.split() == ["True", "False"]


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "DEBUG",
        DJANGO_SECRET_KEY="a-long-random-production-key-" + "q7Z" * 20,
        DJANGO_ALLOWED_HOSTS="translate.example.com",
        DJANGO_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout

"""What every benchmark does first: Django on a PostgreSQL database of its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (see `scripts/services env`)")
    base, _, name = url.rpartition("/")
    return f"{base}/{name}_bench"


def ensure_database(url: str, *, fresh: bool = False) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(*, fresh: bool = False, **env: str) -> str:
    """Points Django at ``<DATABASE_URL>_bench`` (created and migrated if need be; made anew
    with ``fresh``), with ``env`` set first; returns that database's URL."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    url = bench_database_url()
    ensure_database(url, fresh=fresh)
    os.environ.update(
        {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "DJANGO_DEBUG": "false",
         # Production settings over plain HTTP on localhost, with a key of its own.
         "DJANGO_HTTPS": "false", "DJANGO_SECRET_KEY": "benchmark-only-" + "b" * 50, **env}
    )  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url

"""Timestamps read by the fast loader are the values Django's own loader reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TEXTS = [
    "2026-11-29 11:55:15.160629+00",
    "2026-11-29 11:55:15+00",
    "2026-11-29 11:55:15.1+05:30",
    "1999-12-31 23:59:59.999999-08",
    "0001-01-01 00:00:00+00",
    "2026-03-29 02:30:00+01",
]


def read(text: str) -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


def djangos(text: str) -> datetime:
    """What Django's own loader reads from the text PostgreSQL sends for ``text``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (%s::timestamptz)::text", [text])
        sent = cursor.fetchone()[0]

    class Loader(BaseTzLoader):
        timezone = connection.timezone

    return Loader(1184, connection.connection).load(sent.encode())


@pytest.mark.parametrize("text", TEXTS)
def test_a_timestamp_reads_as_django_reads_it(text):
    value = read(text)

    assert value == djangos(text)
    assert value.utcoffset().total_seconds() == 0 and value.tzinfo == UTC


def test_the_instant_is_kept_across_offsets():
    assert read("2026-11-29 17:25:15.5+05:30") == datetime(2026, 11, 29, 11, 55, 15, 500000, UTC)


def test_another_date_style_is_read_by_djangos_loader():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'SQL, DMY'")
        cursor.execute("SELECT '2026-11-29 11:55:15.160629+00'::timestamptz::text")
        assert cursor.fetchone()[0].startswith("29/11/2026")
    # not ISO: left to Django's loader, which says what psycopg says of such a date style
    with pytest.raises(NotImplementedError, match="DateStyle 'SQL, DMY'"):
        read("2026-11-29 11:55:15+00")


def test_what_python_cannot_hold_fails_as_it_did():
    with pytest.raises(DataError, match="after year 10K"):
        read("infinity")

"""The hashed bytes are the RFC 8785 canonical JSON of what the database stores, so the
database's number normalisation cannot break a hash."""

from __future__ import annotations

import json
import math
import uuid

import pytest
import rfc8785
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventstore.exceptions import InvalidEventData
from eventstore.hashing import SAFE_INTEGER, NotCanonical, canonical_json
from eventstore.store import NewEvent, append, read_stream
from eventstore.verification import verify_chain

# What a caller may put in an event: JSON with integers RFC 8785 can represent and finite
# floats; strings without U+0000 (PostgreSQL refuses it) and without lone surrogates.
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-SAFE_INTEGER, SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)


def append_labelled(stream_id: uuid.UUID, value, expected_version: int = 0):
    """A ThingHappened whose ``payload`` carries ``value`` (any JSON is allowed there)."""
    return append(
        stream_type="testing.Thing",
        stream_id=stream_id,
        expected_version=expected_version,
        events=[NewEvent("testing.ThingHappened", {"n": 1, "payload": value})],
    )


# Any text but U+0000 and lone surrogates, astral characters and control characters too.
any_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE_INTEGER, SAFE_INTEGER) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=5)
    ),
    max_leaves=16,
)


@settings(max_examples=500, deadline=None)
@given(value=plain_values | json_values)
def test_the_bytes_are_the_rfc8785_packages_for_every_value(value):
    assert canonical_json(value) == rfc8785.dumps(value)


def test_key_order_and_number_spelling_do_not_change_the_bytes():
    assert canonical_json({"b": 1.0, "a": [1e16, 1.5e-7, -0.0]}) == canonical_json(
        {"a": [10**16, 0.00000015, 0], "b": 1}
    )
    assert canonical_json({"b": 1, "a": 2}) == b'{"a":2,"b":1}'
    assert canonical_json({"é": "\u2028"}) == '{"é":"\u2028"}'.encode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (2**53 + 1, "send it as a string"),
        (float("nan"), "nan"),
        ("a\x00b", r"U\+0000"),
        ({1: "x"}, "keys must be strings"),
        ("\ud800", "UTF-8"),
    ],
)
def test_what_no_json_column_keeps_exactly_is_refused(value, reason):
    with pytest.raises(NotCanonical, match=reason):
        canonical_json(value)


def test_a_literal_backslash_u0000_is_an_ordinary_string():
    assert canonical_json("\\u0000") == b'"\\\\u0000"'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given_value", "read_back"),
    [
        pytest.param(1e16, 10**16, id="1e+16"),
        pytest.param(1e21, 1e21, id="1e+21"),
        pytest.param(123456789012345678.0, 123456789012345680, id="large-float"),
        pytest.param(SAFE_INTEGER, SAFE_INTEGER, id="largest-safe-int"),
        pytest.param(1.5e-7, 1.5e-7, id="small-float"),
        pytest.param(2.50, 2.5, id="float"),
        pytest.param(
            {"z": "ünïcödé ✓", "a": "\u2028"}, {"a": "\u2028", "z": "ünïcödé ✓"}, id="text"
        ),
    ],
)
def test_numbers_and_text_hash_as_stored(thing_type, actor, stream_id, given_value, read_back):
    (appended,) = append_labelled(stream_id, given_value)

    (stored,) = read_stream(stream_id)

    assert stored.data["payload"] == read_back
    assert canonical_json(stored.data) == canonical_json(appended.data)
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_integer_beyond_the_safe_range_is_refused_with_what_to_do(thing_type, actor, stream_id):
    with pytest.raises(InvalidEventData, match="send it as a string"):
        append_labelled(stream_id, 2**53 + 1)


@pytest.mark.django_db
def test_a_uuid_format_is_enforced(actor, stream_id):
    with pytest.raises(InvalidEventData, match='request_id: "not-a-uuid" is not a "uuid"'):
        append(
            stream_type="documents.Document",
            stream_id=stream_id,
            expected_version=0,
            events=[
                NewEvent("documents.DocumentLocked", {"request_id": "not-a-uuid", "revision": 1})
            ],
        )


@pytest.mark.postgres
@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values)
def test_postgresql_gives_back_what_canonicalises_to_the_bytes_sent(value):
    sent = canonical_json(value)
    with connection.cursor() as cursor:
        # As the JSONField reads it: PostgreSQL's text of the jsonb, parsed in Python.
        cursor.execute("SELECT %s::jsonb::text", [sent.decode()])
        stored = json.loads(cursor.fetchone()[0])

    assert canonical_json(stored) == sent
    if isinstance(value, float) and math.isfinite(value):
        assert float(stored) == value


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(value=json_values)
def test_any_storable_value_appends_and_verifies(thing_type, value):
    from eventstore.context import operation

    with operation(actor="user:1"):
        append_labelled(uuid.uuid4(), value)

    assert verify_chain().ok

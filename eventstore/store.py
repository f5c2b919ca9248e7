"""Append to and read from the event store.

``append`` is the one way events are written. It runs in the caller's transaction, so the
caller's other writes (read models, an idempotency record) commit or roll back with the
events. On PostgreSQL it is one round trip: one call of the ``eventstore_append`` function,
which checks the stream's version, writes the events with their hashes and moves the
stream's head. Only writers of the same stream wait for each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Max, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from eventstore.context import ACTOR_PATTERN, current_operation, new_traceparent
from eventstore.exceptions import (
    ConcurrencyError,
    EventStoreError,
    InvalidEventData,
    MissingActor,
)
from eventstore.hashing import (
    GENESIS_HASH,
    NotCanonical,
    canonical_json,
    chain_hash,
    event_content,
    stored_json,
)
from eventstore.log import LOG_START, LogKey
from eventstore.models import Event, Stream
from eventstore.registry import NAME_PATTERN, registry
from eventstore.signals import events_committed

_APPEND = "SELECT * FROM eventstore_append(%s, %s, %s, %s, %s, %s, %s, %s)"


@dataclass(frozen=True)
class NewEvent:
    """An event a command decided on, before it is stored."""

    event_type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class RecordedEvent:
    """A stored event as readers see it: ``data`` is upcast to the current schema version."""

    event_id: uuid.UUID
    stream_type: str
    stream_id: uuid.UUID
    version: int
    position: int
    log_tx: int
    event_type: str
    schema_version: int
    occurred_at: datetime
    data: dict[str, Any]
    metadata: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: Event) -> RecordedEvent:
        return cls(**{name: getattr(row, name) for name in COLUMNS}).upcast()

    def upcast(self) -> RecordedEvent:
        """This event with its data at its type's current schema version (a stored row
        keeps the version it was written in)."""
        version, data = registry.upcast(self.event_type, self.schema_version, self.data)
        if version == self.schema_version:
            return self
        return replace(self, schema_version=version, data=data)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> RecordedEvent:
        """The inverse of ``envelope``, with old schema versions upcast."""
        return cls(
            event_id=uuid.UUID(envelope["event_id"]),
            stream_type=envelope["stream_type"],
            stream_id=uuid.UUID(envelope["stream_id"]),
            version=envelope["version"],
            position=envelope["position"],
            log_tx=envelope.get("log_tx", 0),
            event_type=envelope["event_type"],
            schema_version=envelope["schema_version"],
            occurred_at=datetime.fromisoformat(envelope["occurred_at"]),
            data=envelope["data"],
            metadata=envelope["metadata"],
            prev_hash=envelope["prev_hash"],
            hash=envelope["hash"],
        ).upcast()

    @property
    def log_key(self) -> LogKey:
        return LogKey(self.log_tx, self.position)

    def envelope(self) -> dict[str, Any]:
        """The event as published: the stored row's fields, JSON-ready."""
        return {
            "event_id": str(self.event_id),
            "stream_type": self.stream_type,
            "stream_id": str(self.stream_id),
            "version": self.version,
            "position": self.position,
            "log_tx": self.log_tx,
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
            "metadata": self.metadata,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


# The event table's columns a reader gets, in the order of RecordedEvent's fields.
COLUMNS = tuple(f.name for f in fields(RecordedEvent))


def recorded_events(rows: QuerySet[Event]) -> list[RecordedEvent]:
    """The events of ``rows``, read as tuples: a model instance per row cost a third of a
    log read's time."""
    return [RecordedEvent(*values).upcast() for values in rows.values_list(*COLUMNS)]


@dataclass(frozen=True)
class _Prepared:
    """An event ready for the database: its data as stored, and that data's canonical text."""

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    data: Any
    data_json: str


def append(
    *,
    stream_type: str,
    stream_id: uuid.UUID,
    expected_version: int,
    events: Sequence[NewEvent],
    actor: str | None = None,
) -> list[RecordedEvent]:
    """Append ``events`` to a stream that must be at ``expected_version`` (0: a new stream).

    Validates each event's data against its registered schema, stamps the metadata of the
    current operation and extends the stream's hash chain. Raises ``ConcurrencyError`` if
    another writer appended to the stream first (nothing is written then).
    """
    if not events:
        raise EventStoreError("nothing to append")
    if expected_version < 0:
        raise EventStoreError("expected_version must be 0 (new stream) or more")
    if not NAME_PATTERN.fullmatch(stream_type):
        raise EventStoreError(f"stream types look like 'context.Name', not {stream_type!r}")
    prepared = [_prepare(event, stream_type) for event in events]
    # Strings and nulls only, made here: stored as they are, no round trip needed.
    metadata = _metadata(actor)
    metadata_json = canonical_json(metadata)
    if connection.vendor == "postgresql":
        recorded = _append_postgresql(
            stream_type, stream_id, expected_version, prepared, metadata, metadata_json.decode()
        )
    else:
        recorded = _append_one_writer(stream_type, stream_id, expected_version, prepared, metadata)
    transaction.on_commit(_announce_commit, robust=True)
    return recorded


def read_stream(stream_id: uuid.UUID, *, after_version: int = 0) -> list[RecordedEvent]:
    """The events of one stream in version order, optionally only those after a version."""
    return recorded_events(
        Event.objects.filter(stream_id=stream_id, version__gt=after_version).order_by("version")
    )


def stream_version(stream_id: uuid.UUID) -> int:
    return Stream.objects.filter(pk=stream_id).values_list("version", flat=True).first() or 0


def read_all(
    *,
    after: LogKey = LOG_START,
    limit: int = 500,
    event_types: Iterable[str] | None = None,
) -> list[RecordedEvent]:
    """One page of the global log after ``after``, in log order, below the watermark.

    A catch-up reader passes the key of the last event it has seen (``event.log_key``):
    nothing can appear behind it later, and every reader sees the same order.
    """
    rows = Event.objects.settled().after(after)
    if event_types is not None:
        rows = rows.filter(event_type__in=list(event_types))
    return recorded_events(rows.in_log_order()[:limit])


def read_envelopes(*, after: LogKey = LOG_START, limit: int = 500) -> list[dict[str, Any]]:
    """``read_all``'s page as envelopes (``RecordedEvent.envelope``), the form the relay
    publishes. On PostgreSQL the columns come as the text the envelope holds: making Python
    objects of them (UUIDs, datetimes, dicts) to turn them back into text was most of the
    relay's reading."""
    if not _reads_utc_text():
        return [event.envelope() for event in read_all(after=after, limit=limit)]
    rows = Event.objects.settled().after(after).in_log_order().annotate(**_AS_TEXT)
    envelopes = []
    for row in rows.values_list(*_ENVELOPE_COLUMNS)[:limit]:
        envelope = dict(zip(COLUMNS, row, strict=True))
        if envelope["occurred_at"] is None:
            raise EventStoreError(
                f"the event at position {envelope['position']} has a time outside the years "
                "1 to 9999 (infinity, BC): it cannot be read"
            )
        envelope["data"] = _json(envelope["data"])
        envelope["metadata"] = _json(envelope["metadata"])
        envelopes.append(_upcast(envelope))
    return envelopes


def _reads_utc_text() -> bool:
    # The text below is what isoformat() writes of the aware UTC datetimes Django reads;
    # any other set-up reads through RecordedEvent.
    return (
        connection.vendor == "postgresql" and settings.USE_TZ and connection.timezone_name == "UTC"
    )


def _json(text: str) -> Any:
    # As the model reads its JSON columns.
    return _JSON_FIELD.from_db_value(text, None, connection)


_JSON_FIELD = Event._meta.get_field("data")


def _occurred_at_text() -> RawSQL:
    # As isoformat() writes the aware UTC datetime Django reads: a fraction only when there
    # is one; NULL for what no datetime holds, as reading it through Django fails.
    at, pattern = '"eventstore_event"."occurred_at"', 'YYYY-MM-DD"T"HH24:MI:SS'
    return RawSQL(  # noqa: S611 (constant SQL)
        f"CASE WHEN {at} >= '0001-01-01 00:00:00+00' AND {at} < '10000-01-01 00:00:00+00' "
        f"THEN to_char({at} AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {at}) = {at} "
        f"""THEN '{pattern}"+00:00"' ELSE '{pattern}.US"+00:00"' END) END""",
        [],
        output_field=TextField(),
    )


# The columns whose envelope value is not what the database driver returns, read as text.
_AS_TEXT = {
    "event_id_text": Cast("event_id", TextField()),
    "stream_id_text": Cast("stream_id", TextField()),
    "occurred_at_text": _occurred_at_text(),
    "data_text": Cast("data", TextField()),
    "metadata_text": Cast("metadata", TextField()),
}
_ENVELOPE_COLUMNS = tuple(
    f"{name}_text" if f"{name}_text" in _AS_TEXT else name for name in COLUMNS
)


def _upcast(envelope: dict[str, Any]) -> dict[str, Any]:
    version, data = registry.upcast(
        envelope["event_type"], envelope["schema_version"], envelope["data"]
    )
    if version != envelope["schema_version"]:
        envelope["schema_version"], envelope["data"] = version, data
    return envelope


def iter_all(
    *,
    after: LogKey = LOG_START,
    page_size: int = 500,
    event_types: Iterable[str] | None = None,
) -> Iterator[RecordedEvent]:
    """Every event after ``after``, read page by page (keyset, no OFFSET)."""
    types = list(event_types) if event_types is not None else None
    while page := read_all(after=after, limit=page_size, event_types=types):
        yield from page
        after = page[-1].log_key


def _prepare(event: NewEvent, stream_type: str) -> _Prepared:
    event_type = registry.get(event.event_type)
    if event_type.context != stream_type.partition(".")[0]:
        # A stream's events share one bounded context, hence one topic and one partition.
        raise EventStoreError(
            f"{event.event_type} belongs to the {event_type.context!r} context, not to the "
            f"stream type {stream_type!r}"
        )
    try:
        data, data_json = stored_json(event.data)
    except NotCanonical as exc:
        raise InvalidEventData(
            event.event_type, [f"not storable as canonical JSON: {exc}"]
        ) from None
    registry.validate(event.event_type, data)
    return _Prepared(
        uuid.uuid4(), event.event_type, event_type.schema_version, data, data_json.decode()
    )


def _append_postgresql(
    stream_type: str,
    stream_id: uuid.UUID,
    expected_version: int,
    prepared: list[_Prepared],
    metadata: dict[str, Any],
    metadata_json: str,
) -> list[RecordedEvent]:
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    db.validate_no_broken_transaction()
    # The append is the hot path of every write: scalar parameters (the events' fields
    # joined, see the function), bound by the server to a statement prepared once per
    # connection.
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(
            _APPEND,
            [
                stream_id,
                stream_type,
                expected_version,
                ",".join(str(p.event_id) for p in prepared),
                ",".join(p.event_type for p in prepared),
                ",".join(str(p.schema_version) for p in prepared),
                "\x1f".join(p.data_json for p in prepared),
                metadata_json,
            ],
            prepare=True,
        )
        version, log_tx, occurred_at, positions, prev_hash, hashes = cursor.fetchone()
    if positions is None:
        raise ConcurrencyError(
            stream_id=stream_id, expected_version=expected_version, actual_version=version
        )
    prev_hashes = [prev_hash, *hashes[:-1]]
    return [
        RecordedEvent(
            event_id=p.event_id,
            stream_type=stream_type,
            stream_id=stream_id,
            version=expected_version + offset,
            position=position,
            log_tx=log_tx,
            event_type=p.event_type,
            schema_version=p.schema_version,
            occurred_at=occurred_at,
            data=p.data,
            metadata=metadata,
            prev_hash=prev_hash,
            hash=hash_,
        )
        for offset, (p, position, prev_hash, hash_) in enumerate(
            zip(prepared, positions, prev_hashes, hashes, strict=True), start=1
        )
    ]


def _append_one_writer(
    stream_type: str,
    stream_id: uuid.UUID,
    expected_version: int,
    prepared: list[_Prepared],
    metadata: dict[str, Any],
) -> list[RecordedEvent]:
    """SQLite: one writer at a time (its transactions take the write lock as they begin), so
    positions are handed out in commit order and the log needs no ``log_tx``."""
    with transaction.atomic():
        head = Stream.objects.filter(pk=stream_id).first()
        actual = head.version if head is not None else 0
        if actual != expected_version:
            raise ConcurrencyError(
                stream_id=stream_id, expected_version=expected_version, actual_version=actual
            )
        last_position = Event.objects.aggregate(last=Max("position"))["last"] or 0
        occurred_at = timezone.now()
        prev_hash = head.hash if head is not None else GENESIS_HASH
        rows = []
        for offset, p in enumerate(prepared, start=1):
            row = Event(
                position=last_position + offset,
                log_tx=0,
                tx_id=0,
                event_id=p.event_id,
                stream_type=stream_type,
                stream_id=stream_id,
                version=expected_version + offset,
                event_type=p.event_type,
                schema_version=p.schema_version,
                occurred_at=occurred_at,
                data=p.data,
                metadata=metadata,
                prev_hash=prev_hash,
            )
            row.hash = prev_hash = chain_hash(prev_hash, event_content(row))
            rows.append(row)
        Event.objects.bulk_create(rows)
        last = rows[-1]
        if head is None:
            Stream.objects.create(
                stream_id=stream_id, stream_type=stream_type, version=last.version,
                hash=last.hash, log_tx=0,
            )  # fmt: skip
        else:
            Stream.objects.filter(pk=stream_id).update(version=last.version, hash=last.hash)
    return [RecordedEvent.from_row(row) for row in rows]


def _metadata(actor: str | None) -> dict[str, Any]:
    op = current_operation()
    actor = actor or (op.actor if op else None)
    if not actor or not ACTOR_PATTERN.fullmatch(actor):
        raise MissingActor(
            f"events need an actor like 'user:<id>' or 'system:<name>', got {actor!r}: "
            "append inside eventstore.context.operation(actor=...)"
        )
    metadata = {
        "correlation_id": op.correlation_id if op else str(uuid.uuid4()),
        "causation_id": op.causation_id if op else None,
        "actor": actor,
        "request_id": op.request_id if op else None,
        "traceparent": (op.traceparent if op else None) or new_traceparent(),
    }
    if op is not None and op.client_reference:
        metadata["client_reference"] = op.client_reference
    return metadata


def _announce_commit() -> None:
    events_committed.send(sender=Event)

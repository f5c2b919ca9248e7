from __future__ import annotations

import json
import re
import uuid
from typing import Any

import orjson
from django.db import connections, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from eventstore.log import LogKey


def _text(key: str) -> Cast:
    # The Cast makes it a plain text comparison on every backend (SQLite would otherwise
    # compare JSON); on PostgreSQL a text-to-text cast vanishes and the index matches.
    return Cast(KT(f"metadata__{key}"), models.TextField())


class EventQuerySet(models.QuerySet):
    """The log's order and its watermark (see ``eventstore.log``), and filters on the
    metadata that the expression indexes serve: they index the text (``->>``); a plain
    ``metadata__actor=`` lookup compares JSON (``->``) and scans."""

    def in_log_order(self) -> EventQuerySet:
        return self.order_by("log_tx", "position")

    def settled(self) -> EventQuerySet:
        """Only events below the watermark, whose place in the log is final (no event will
        ever appear before them), and the reader's own transaction's events."""
        if connections[self.db].vendor != "postgresql":
            return self  # one writer at a time: positions are commit-ordered already
        return self.filter(Q(log_tx__lt=_WATERMARK) | Q(tx_id=_OWN_TRANSACTION))

    def after(self, key: LogKey) -> EventQuerySet:
        return self.filter(_compare(_AFTER, key))

    def before(self, key: LogKey) -> EventQuerySet:
        return self.filter(_compare(_BEFORE, key))

    def with_actor(self) -> EventQuerySet:
        return self.alias(actor=_text("actor"))

    def by_actor(self, actor: str) -> EventQuerySet:
        return self.with_actor().filter(actor=actor)

    def excluding_actor(self, actor: str) -> EventQuerySet:
        return self.with_actor().exclude(actor=actor)

    def by_correlation(self, correlation_id: str) -> EventQuerySet:
        return self.alias(correlation_id=_text("correlation_id")).filter(
            correlation_id=correlation_id
        )

    def search(self, term: str) -> EventQuerySet:
        """What an auditor types: a full id finds its event, stream or operation through an
        index; a short id (the 8 characters the pages show) finds the events whose event,
        stream or correlation id starts with it; and any text finds the events whose data
        holds it (a file name, a title), case-insensitively. The last two read the rows
        (no index): the admin reads them a page at a time."""
        term = term.strip()
        try:
            wanted = uuid.UUID(term)
        except ValueError:
            pass
        else:
            return self.alias(correlation_id=_text("correlation_id")).filter(
                Q(stream_id=wanted) | Q(event_id=wanted) | Q(correlation_id=str(wanted))
            )
        # The data is searched as JSON text, the same on PostgreSQL and SQLite; SQLite
        # stores non-ASCII characters escaped ("\\u00e9"), so that spelling is tried too.
        found = Q(data_text__icontains=term)
        escaped = json.dumps(term)[1:-1]
        if escaped != term:
            found |= Q(data_text__icontains=escaped)
        if _ID_PREFIX.fullmatch(term):
            found |= (
                Q(event_id__istartswith=term)
                | Q(stream_id__istartswith=term)
                | Q(correlation_id__istartswith=term)
            )
        return self.alias(
            data_text=Cast("data", models.TextField()), correlation_id=_text("correlation_id")
        ).filter(found)

    def actors(self) -> list[str]:
        named = self.annotate(actor=_text("actor")).values_list("actor", flat=True)
        return sorted(a for a in named.order_by().distinct() if a)


_ID_PREFIX = re.compile(r"[0-9a-fA-F][0-9a-fA-F-]{3,35}")
# Sub-selects, so that PostgreSQL computes each once per query: as plain calls beside an OR
# they were filters computed again for every row scanned (17 times slower over 20,000 rows).
_WATERMARK = RawSQL("(SELECT eventstore_watermark())", [])
_OWN_TRANSACTION = RawSQL("(SELECT pg_current_xact_id_if_assigned()::text::bigint)", [])
# Row comparisons, which the (log_tx, position) index serves as one range.
_KEY = '("eventstore_event"."log_tx", "eventstore_event"."position")'
_AFTER, _BEFORE = f"{_KEY} > (%s, %s)", f"{_KEY} < (%s, %s)"


def _compare(sql: str, key: LogKey) -> RawSQL:
    # Constant SQL; the key's values are bound as parameters.
    return RawSQL(sql, (key.log_tx, key.position), output_field=models.BooleanField())  # noqa: S611


class StoredJSONField(models.JSONField):
    """A JSON column decoded by orjson: a log reader decodes two documents per event, and the
    standard library's decoder took a tenth of the relay's time. Stored JSON is canonical
    (RFC 8785: no NaN, integers within ±2^53), which orjson reads exactly as ``json`` does;
    anything it refuses is left to Django's own decoding. To the schema and the migrations
    it is a JSONField: only the reading differs."""

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return super().from_db_value(value, expression, connection)


class Event(models.Model):
    """One fact that happened, appended once and never changed: the audit trail itself.

    Rows are the source of truth for every read model. The table is append-only at the
    database level (a trigger refuses UPDATE, DELETE and TRUNCATE), and each row's ``hash``
    covers its canonical content and the hash of the previous event of its stream, so an edit
    made behind the trigger's back is found by ``manage.py verify_events``. ``position``
    numbers events in append order; the log's order, which readers follow, is
    ``(log_tx, position)`` below the watermark (``eventstore.log``).
    """

    position = models.BigAutoField(primary_key=True)
    log_tx = models.BigIntegerField(
        help_text="the event's slot in the log order: its transaction's id, or the slot of "
        "its stream's previous event if that is later (0 on SQLite)"
    )
    tx_id = models.BigIntegerField(help_text="the appending transaction's id (0 on SQLite)")
    event_id = models.UUIDField(unique=True, editable=False)
    stream_type = models.CharField(max_length=100)
    stream_id = models.UUIDField()
    version = models.PositiveIntegerField(help_text="1-based position within the stream")
    event_type = models.CharField(max_length=200)
    schema_version = models.PositiveSmallIntegerField()
    occurred_at = models.DateTimeField()
    data = StoredJSONField()
    metadata = StoredJSONField()
    prev_hash = models.CharField(max_length=64, help_text="the hash of the stream's previous event")
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "eventstore_event"
        ordering = ["log_tx", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream_id", "version"], name="eventstore_event_stream_version"
            ),
        ]
        indexes = [
            models.Index(fields=["log_tx", "position"], name="eventstore_event_log"),
            models.Index(fields=["event_type", "log_tx", "position"], name="eventstore_event_type"),
            models.Index(fields=["occurred_at"], name="eventstore_event_occurred"),
            models.Index(KT("metadata__correlation_id"), name="eventstore_event_correlation"),
            models.Index(KT("metadata__actor"), name="eventstore_event_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.event_type} {self.stream_id} v{self.version}"

    @property
    def log_key(self) -> LogKey:
        return LogKey(self.log_tx, self.position)


class Stream(models.Model):
    """A stream's head: its version and the hash of its last event, moved on by every append
    in the same statement that writes the events. Its row lock is what a second writer of the
    same stream waits for (and then finds the version moved on); writers of other streams
    never meet. Verification checks each stream's events against it, so a removed tail shows."""

    stream_id = models.UUIDField(primary_key=True)
    stream_type = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    log_tx = models.BigIntegerField(help_text="the log_tx of the stream's last event")

    class Meta:
        db_table = "eventstore_stream"

    def __str__(self) -> str:
        return f"{self.stream_type} {self.stream_id} at v{self.version}"


class Snapshot(models.Model):
    """A cached fold of a long stream, so loading an aggregate reads only the tail.

    Snapshots are disposable: a snapshot whose ``schema_version`` differs from the
    aggregate's current one is ignored and rebuilt from the events.
    """

    stream_id = models.UUIDField()
    snapshot_type = models.CharField(max_length=200)
    schema_version = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField(help_text="the stream version the state reflects")
    state = models.JSONField()
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "eventstore_snapshot"
        constraints = [
            models.UniqueConstraint(
                fields=["stream_id", "snapshot_type"], name="eventstore_snapshot_stream_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_type} {self.stream_id} at v{self.version}"


class TreeNode(models.Model):
    """A perfect subtree of the Merkle tree over the log (``eventstore.merkle``): ``level`` 0
    is a leaf, the hash of one event's ``hash``, and names that event's ``position``; level
    ``l`` index ``i`` covers leaves ``[i * 2**l, (i + 1) * 2**l)``. Written once by the
    sealer when the subtree is complete, so any proof reads O(log n) rows. Append-only."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)
    position = models.BigIntegerField(null=True, unique=True, help_text="a leaf's event")

    class Meta:
        db_table = "eventstore_tree_node"

    def __str__(self) -> str:
        return f"level {self.level} index {self.index}"


class Checkpoint(models.Model):
    """A signed tree head: the Merkle tree over the first ``tree_size`` events of the log,
    its root hash and the time, signed by the log's key (``note``, a C2SP signed note). The
    key lives outside the database, so nobody who can only write the database can make one.
    Append-only."""

    tree_size = models.BigIntegerField(primary_key=True)
    root_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    key_id = models.CharField(max_length=8, help_text="the signing key's id (hex)")
    note = models.TextField(help_text="the checkpoint as signed and published")
    log_tx = models.BigIntegerField(help_text="the log key of the last event in the tree")
    position = models.BigIntegerField()

    class Meta:
        db_table = "eventstore_checkpoint"
        ordering = ["tree_size"]
        get_latest_by = "tree_size"

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size} events"

    @property
    def log_key(self) -> LogKey:
        return LogKey(self.log_tx, self.position)

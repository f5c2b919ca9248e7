from __future__ import annotations

from django.db import models
from django.db.models.fields.json import KT
from django.db.models.functions import Cast


def _text(key: str) -> Cast:
    # The Cast makes it a plain text comparison on every backend (SQLite would otherwise
    # compare JSON); on PostgreSQL a text-to-text cast vanishes and the index matches.
    return Cast(KT(f"metadata__{key}"), models.TextField())


class EventQuerySet(models.QuerySet):
    """Filters on the metadata that the expression indexes serve: they index the text
    (``->>``); a plain ``metadata__actor=`` lookup compares JSON (``->``) and scans."""

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

    def actors(self) -> list[str]:
        named = self.annotate(actor=_text("actor")).values_list("actor", flat=True)
        return sorted(a for a in named.order_by().distinct() if a)


class Event(models.Model):
    """One fact that happened, appended once and never changed: the audit trail itself.

    Rows are the source of truth for every read model. The table is append-only at the
    database level (a trigger refuses UPDATE, DELETE and TRUNCATE), and each row's ``hash``
    covers its content and the previous row's hash, so an edit made behind the trigger's back
    is found by ``manage.py verify_events``. ``position`` is the global order: appends are
    serialised on ``ChainHead``, so positions become visible in commit order and a reader
    following them never skips one.
    """

    position = models.BigIntegerField(primary_key=True)
    event_id = models.UUIDField(unique=True, editable=False)
    stream_type = models.CharField(max_length=100)
    stream_id = models.UUIDField()
    version = models.PositiveIntegerField(help_text="1-based position within the stream")
    event_type = models.CharField(max_length=200)
    schema_version = models.PositiveSmallIntegerField()
    occurred_at = models.DateTimeField()
    data = models.JSONField()
    metadata = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "eventstore_event"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream_id", "version"], name="eventstore_event_stream_version"
            ),
        ]
        indexes = [
            models.Index(fields=["event_type", "position"], name="eventstore_event_type"),
            models.Index(fields=["occurred_at"], name="eventstore_event_occurred"),
            models.Index(KT("metadata__correlation_id"), name="eventstore_event_correlation"),
            models.Index(KT("metadata__actor"), name="eventstore_event_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.event_type} {self.stream_id} v{self.version}"


class ChainHead(models.Model):
    """The single row every append locks: the last position and hash of the chain.

    Holding its row lock until commit serialises appends, which is what makes positions
    commit-ordered and gapless and lets each event link to its predecessor's hash.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    position = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "eventstore_chain_head"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="chain_head_single_row")
        ]

    def __str__(self) -> str:
        return f"chain head at position {self.position}"


class OutboxEntry(models.Model):
    """An event waiting to be published, written in the same transaction as the event."""

    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, related_name="outbox_entry", db_column="position"
    )
    topic = models.CharField(max_length=200)
    key = models.CharField(max_length=64, help_text="message key: the stream id")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "eventstore_outbox"
        verbose_name_plural = "outbox entries"
        indexes = [
            models.Index(
                fields=["id"],
                name="eventstore_outbox_pending",
                condition=models.Q(published_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.event_id}"


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

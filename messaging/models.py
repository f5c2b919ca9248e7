"""What messaging keeps: how far each relay has published the log, how far each consumer has
applied each stream (its inbox), the events waiting for their predecessor, and the messages
a consumer gave up on (dead letters)."""

from __future__ import annotations

from django.db import models

from eventstore.log import LogKey


class RelayCheckpoint(models.Model):
    """How far one relay (one destination: the in-process bus, or Kafka topics of one prefix)
    has published the log: the log key of the last event delivered. The relay follows the
    event table itself below the watermark, so appends write no outbox row."""

    name = models.CharField(max_length=200, primary_key=True)
    log_tx = models.BigIntegerField(default=0)
    position = models.BigIntegerField(default=0)
    published = models.BigIntegerField(default=0, help_text="events delivered so far")
    failures = models.PositiveIntegerField(
        default=0, help_text="failed runs since the last success"
    )
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "messaging_relay_checkpoint"

    def __str__(self) -> str:
        return f"{self.name} at {self.log_tx}.{self.position}"

    @property
    def key(self) -> LogKey:
        return LogKey(self.log_tx, self.position)


class InboxCursor(models.Model):
    """A consumer's inbox, kept per stream: the last version of the stream it applied, moved
    in the same transaction as the handler's effects. An event is applied only as the next
    version after it (so a handler never sees version k+1 before k, and a redelivered or
    replayed event is skipped); every event of the consumer's topics moves it, also those it
    has no handler for."""

    consumer = models.CharField(max_length=100)
    stream_id = models.UUIDField()
    version = models.PositiveIntegerField(help_text="0: nothing applied yet")
    event_id = models.UUIDField(null=True, blank=True, help_text="the event of that version")
    applied_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "messaging_inbox_cursor"
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "stream_id"], name="messaging_inbox_cursor_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer} applied {self.stream_id} up to v{self.version}"


class ParkedEvent(models.Model):
    """An event that reached a consumer before its stream's previous version was applied
    (a dead-lettered predecessor, a partly failed relay batch, a replay): it waits here and
    is applied as soon as its predecessor is."""

    consumer = models.CharField(max_length=100)
    stream_id = models.UUIDField()
    version = models.PositiveIntegerField()
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=200)
    topic = models.CharField(max_length=200, blank=True)
    envelope = models.JSONField()
    parked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "messaging_parked_event"
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "stream_id", "version"], name="messaging_parked_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type} v{self.version} waits for v{self.version - 1}"


class DeadLetter(models.Model):
    """A message a consumer gave up on after its retries, kept with the error and the
    original headers so that it can be inspected and retried."""

    consumer = models.CharField(max_length=100)
    topic = models.CharField(max_length=200)
    partition = models.IntegerField(null=True, blank=True)
    offset = models.BigIntegerField(null=True, blank=True)
    event_id = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=200, blank=True)
    stream_id = models.UUIDField(null=True, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    key = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    payload = models.TextField()
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True, help_text="what became of it")

    class Meta:
        db_table = "messaging_dead_letter"
        indexes = [models.Index(fields=["consumer", "created_at"], name="messaging_dlq_consumer")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type or self.topic} ({self.error[:60]})"


class WitnessCursor(models.Model):
    """How far checkpoints have been published to a witness topic: the tree size of the
    last one delivered."""

    name = models.CharField(max_length=200, primary_key=True)
    tree_size = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "messaging_witness_cursor"

    def __str__(self) -> str:
        return f"{self.name} at {self.tree_size}"

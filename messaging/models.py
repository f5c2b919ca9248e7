"""What messaging keeps: how far each relay has published the log, the events each consumer
has applied (its inbox) and the messages it gave up on (dead letters)."""

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


class InboxEntry(models.Model):
    """An event a consumer has applied, recorded in the same transaction as its effects:
    a redelivered or replayed event finds its entry and is skipped (effectively once)."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    position = models.BigIntegerField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "messaging_inbox"
        verbose_name_plural = "inbox entries"
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="messaging_inbox_once")
        ]

    def __str__(self) -> str:
        return f"{self.consumer} processed {self.event_id}"


class DeadLetter(models.Model):
    """A message a consumer gave up on after its retries, kept with the error and the
    original headers so that it can be inspected and retried."""

    consumer = models.CharField(max_length=100)
    topic = models.CharField(max_length=200)
    partition = models.IntegerField(null=True, blank=True)
    offset = models.BigIntegerField(null=True, blank=True)
    event_id = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=200, blank=True)
    key = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    payload = models.TextField()
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "messaging_dead_letter"
        indexes = [models.Index(fields=["consumer", "created_at"], name="messaging_dlq_consumer")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type or self.topic} ({self.error[:60]})"

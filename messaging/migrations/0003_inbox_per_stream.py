"""The inbox becomes a cursor per consumer and stream (the last version applied), events that
arrive before their predecessor are parked, and dead letters name their stream and version.

The old inbox recorded the event ids a consumer had handled, not what it had skipped, so it
cannot say how far each stream was applied. The cursors start where the store is: at each
stream's current version, for every consumer that reads the stream's context, or just before
a stream's oldest open dead letter. Drain the consumers before upgrading (``manage.py
pipeline_status`` shows no lag): what they had not applied yet would be taken for applied.
"""

from django.db import migrations, models


def start_at_the_current_versions(apps, schema_editor):
    import json

    from messaging.consumers import consumers

    Stream = apps.get_model("eventstore", "Stream")
    Event = apps.get_model("eventstore", "Event")
    DeadLetter = apps.get_model("messaging", "DeadLetter")
    InboxCursor = apps.get_model("messaging", "InboxCursor")
    for consumer in consumers.all():
        # A stream with an open dead letter starts just before it, so that retrying the
        # letter applies it (and what follows) instead of finding it applied.
        waiting: dict[str, int] = {}
        for letter in DeadLetter.objects.filter(consumer=consumer.name, resolved_at=None):
            try:
                envelope = json.loads(letter.payload)
                stream, version = str(envelope["stream_id"]), int(envelope["version"])
            except (ValueError, KeyError, TypeError):
                continue
            waiting[stream] = min(waiting.get(stream, version), version)
        cursors = []
        for context in consumer.contexts:
            heads = Stream.objects.filter(stream_type__startswith=f"{context}.")
            for head in heads.iterator(chunk_size=1000):
                version = min(head.version, waiting.get(str(head.stream_id), 10**9) - 1)
                event = Event.objects.filter(stream_id=head.stream_id, version=version).first()
                cursors.append(
                    InboxCursor(
                        consumer=consumer.name,
                        stream_id=head.stream_id,
                        version=version,
                        event_id=event.event_id if event is not None else None,
                    )
                )
        InboxCursor.objects.bulk_create(cursors, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_relay_checkpoint"),
        ("eventstore", "0005_store_v2"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboxCursor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("consumer", models.CharField(max_length=100)),
                ("stream_id", models.UUIDField()),
                ("version", models.PositiveIntegerField(help_text="0: nothing applied yet")),
                (
                    "event_id",
                    models.UUIDField(blank=True, help_text="the event of that version", null=True),
                ),
                ("applied_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "db_table": "messaging_inbox_cursor",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("consumer", "stream_id"), name="messaging_inbox_cursor_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ParkedEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("consumer", models.CharField(max_length=100)),
                ("stream_id", models.UUIDField()),
                ("version", models.PositiveIntegerField()),
                ("event_id", models.UUIDField()),
                ("event_type", models.CharField(max_length=200)),
                ("topic", models.CharField(blank=True, max_length=200)),
                ("envelope", models.JSONField()),
                ("parked_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "db_table": "messaging_parked_event",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("consumer", "stream_id", "version"), name="messaging_parked_once"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="deadletter",
            name="stream_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="deadletter",
            name="version",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="deadletter",
            name="resolution",
            field=models.CharField(blank=True, help_text="what became of it", max_length=200),
        ),
        migrations.RunPython(start_at_the_current_versions, migrations.RunPython.noop),
        migrations.DeleteModel(name="InboxEntry"),
    ]

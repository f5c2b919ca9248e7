"""The relay follows the event table from a checkpoint instead of outbox rows.

The checkpoint of the configured bus starts where the outbox stood: just before its first
unpublished event, or after the last event if all were published (events appended before
the event store v2 all get ``log_tx`` 0, so ``(0, position)`` is their place in the log).
"""

from django.conf import settings
from django.db import migrations, models


def start_where_the_outbox_stood(apps, schema_editor):
    Event = apps.get_model("eventstore", "Event")
    OutboxEntry = apps.get_model("eventstore", "OutboxEntry")
    Checkpoint = apps.get_model("messaging", "RelayCheckpoint")
    unpublished = OutboxEntry.objects.filter(published_at__isnull=True)
    first = unpublished.order_by("event_id").values_list("event_id", flat=True).first()
    if first is not None:
        position = first - 1
    else:
        position = Event.objects.order_by("-position").values_list("position", flat=True).first()
    if not position:
        return  # an empty store: every relay starts at the beginning
    bus = settings.EVENT_BUS
    name = f"kafka:{settings.KAFKA_TOPIC_PREFIX}" if bus == "kafka" else bus
    Checkpoint.objects.create(name=name, log_tx=0, position=position)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("eventstore", "0004_messaging_models_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="RelayCheckpoint",
            fields=[
                ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("log_tx", models.BigIntegerField(default=0)),
                ("position", models.BigIntegerField(default=0)),
                (
                    "published",
                    models.BigIntegerField(default=0, help_text="events delivered so far"),
                ),
                (
                    "failures",
                    models.PositiveIntegerField(
                        default=0, help_text="failed runs since the last success"
                    ),
                ),
                ("last_error", models.TextField(blank=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "messaging_relay_checkpoint"},
        ),
        migrations.RunPython(start_where_the_outbox_stood, migrations.RunPython.noop),
    ]

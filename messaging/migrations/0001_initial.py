"""The consumers' inbox and dead letters move here from the event store, tables and rows as
they are (the event store knows nothing of messaging any more)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("eventstore", "0003_inbox_dead_letters")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DeadLetter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("consumer", models.CharField(max_length=100)),
                        ("topic", models.CharField(max_length=200)),
                        ("partition", models.IntegerField(blank=True, null=True)),
                        ("offset", models.BigIntegerField(blank=True, null=True)),
                        ("event_id", models.CharField(blank=True, max_length=64)),
                        ("event_type", models.CharField(blank=True, max_length=200)),
                        ("key", models.TextField(blank=True)),
                        ("headers", models.JSONField(default=dict)),
                        ("payload", models.TextField()),
                        ("error", models.TextField()),
                        ("attempts", models.PositiveIntegerField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "eventstore_dead_letter",
                        "indexes": [
                            models.Index(
                                fields=["consumer", "created_at"], name="eventstore_dlq_consumer"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="InboxEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("consumer", models.CharField(max_length=100)),
                        ("event_id", models.UUIDField()),
                        ("position", models.BigIntegerField()),
                        ("processed_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name_plural": "inbox entries",
                        "db_table": "eventstore_inbox",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("consumer", "event_id"), name="eventstore_inbox_once"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="deadletter", table="messaging_dead_letter"),
        migrations.AlterModelTable(name="inboxentry", table="messaging_inbox"),
        migrations.RenameIndex(
            model_name="deadletter",
            new_name="messaging_dlq_consumer",
            old_name="eventstore_dlq_consumer",
        ),
        migrations.RemoveConstraint(model_name="inboxentry", name="eventstore_inbox_once"),
        migrations.AddConstraint(
            model_name="inboxentry",
            constraint=models.UniqueConstraint(
                fields=("consumer", "event_id"), name="messaging_inbox_once"
            ),
        ),
    ]

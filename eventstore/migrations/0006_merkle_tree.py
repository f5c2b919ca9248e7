"""The Merkle tree over the log and its signed checkpoints, both append-only like the
events (the same trigger function refuses changes)."""

from django.db import migrations, models

TABLES = ("eventstore_tree_node", "eventstore_checkpoint")


def append_only(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();"
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();"
            )
        else:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} is append-only: {op} is not allowed'); END;"
                )


def drop_append_only(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER {table}_no_update_delete ON {table}")
            schema_editor.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER {table}_no_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("eventstore", "0005_store_v2"),
    ]

    operations = [
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                ("tree_size", models.BigIntegerField(primary_key=True, serialize=False)),
                ("root_hash", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
                ("key_id", models.CharField(help_text="the signing key's id (hex)", max_length=8)),
                ("note", models.TextField(help_text="the checkpoint as signed and published")),
                (
                    "log_tx",
                    models.BigIntegerField(help_text="the log key of the last event in the tree"),
                ),
                ("position", models.BigIntegerField()),
            ],
            options={
                "db_table": "eventstore_checkpoint",
                "ordering": ["tree_size"],
                "get_latest_by": "tree_size",
            },
        ),
        migrations.CreateModel(
            name="TreeNode",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "level",
                        "index",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("level", models.PositiveSmallIntegerField()),
                ("index", models.BigIntegerField()),
                ("hash", models.BinaryField(max_length=32)),
                (
                    "position",
                    models.BigIntegerField(help_text="a leaf's event", null=True, unique=True),
                ),
            ],
            options={
                "db_table": "eventstore_tree_node",
            },
        ),
        migrations.RunPython(append_only, drop_append_only),
    ]

"""The inbox and dead letters now belong to the messaging app (its 0001 took them over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("eventstore", "0003_inbox_dead_letters"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DeadLetter"),
                migrations.DeleteModel(name="InboxEntry"),
            ],
            database_operations=[],
        ),
    ]

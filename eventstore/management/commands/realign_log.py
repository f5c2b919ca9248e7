from django.core.management.base import BaseCommand

from eventstore.log_offset import realign


class Command(BaseCommand):
    help = (
        "After restoring the database into another PostgreSQL cluster (pg_dump/restore, logical "
        "replication): make new events come after the restored ones in the log."
    )

    def handle(self, *args, **options) -> None:
        raised = realign()
        if raised:
            self.stdout.write(self.style.SUCCESS(f"the log's offset was raised by {raised}"))
        else:
            self.stdout.write("the log is in order: nothing to do")

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eventstore.management.commands.verify_events import fail
from eventstore.verification import verify_audit
from messaging.witness import checkpoint_topic, read_witnessed


class Command(BaseCommand):
    help = (
        "verify_events against the checkpoints witnessed on Kafka "
        "(<prefix>audit.checkpoints): each must be a checkpoint of the database's tree."
    )

    def handle(self, *args, **options) -> None:
        if not settings.KAFKA_BOOTSTRAP_SERVERS:
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set")
        from confluent_kafka import KafkaException

        try:
            notes = read_witnessed()
        except (KafkaException, ValueError, KeyError, TypeError) as exc:
            raise CommandError(
                f"cannot read the witness topic {checkpoint_topic()}: {exc}"
            ) from None
        report = verify_audit(witnesses=notes)
        if not report.ok:
            fail(report)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.tree.witnessed} checkpoint(s) witnessed on {checkpoint_topic()} are "
                f"consistent with the database's tree of {report.tree.leaves} event(s); hash "
                f"chains intact ({report.chain.checked} event(s))"
            )
        )

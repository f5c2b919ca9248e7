from django.core.management.base import BaseCommand, CommandError

from eventstore.sealing import SealRefused, seal, seal_lag


class Command(BaseCommand):
    help = (
        "Add the events committed since the last checkpoint to the Merkle tree and sign a "
        "checkpoint over it (beat does this every EVENTSTORE_SEAL_INTERVAL seconds)."
    )

    def handle(self, *args, **options) -> None:
        try:
            checkpoint = seal()
        except SealRefused as exc:
            raise CommandError(str(exc)) from None
        if checkpoint is None:
            lag = seal_lag()
            latest = lag.latest.tree_size if lag.latest else 0
            self.stdout.write(f"nothing to seal: the tree holds {latest} event(s)")
            return
        self.stdout.write(self.style.SUCCESS(f"sealed: {checkpoint.tree_size} event(s)"))
        self.stdout.write(checkpoint.note)

from django.conf import settings
from django.core.management.base import BaseCommand

from eventstore.notes import Signer
from eventstore.signing import trusted_verifiers


class Command(BaseCommand):
    help = (
        "Print the public keys the log's checkpoints are verified with (the current one "
        "first), or --generate a new signing key for a rotation."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--generate", action="store_true",
            help="print a new signing key for EVENTSTORE_LOG_ORIGIN (keep it secret)",
        )  # fmt: skip

    def handle(self, *args, generate: bool, **options) -> None:
        if generate:
            key = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN)
            self.stdout.write(key.skey)
            self.stderr.write(f"its public key: {key.verifier.vkey}")
            return
        for verifier in trusted_verifiers():
            self.stdout.write(verifier.vkey)

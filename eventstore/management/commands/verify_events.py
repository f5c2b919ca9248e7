from django.core.management.base import BaseCommand, CommandError

from eventstore.verification import verify_chain


class Command(BaseCommand):
    help = "Verify every stream's hash chain; exits non-zero at the first broken link."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"hash chain broken after {report.checked} good event(s): first broken link at "
                f"{report.broken}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"hash chains intact: {report.checked} event(s) in {report.streams} stream(s) "
                "verified"
            )
        )

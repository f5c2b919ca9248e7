from django.core.management.base import BaseCommand, CommandError

from eventstore.projections import rebuild_projections


class Command(BaseCommand):
    help = "Rebuild read models from the event store (all, or the ones named)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="projection names (default: all)")

    def handle(self, *args, names: list[str], **options) -> None:
        try:
            rebuilt = rebuild_projections(names)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        for name, count in rebuilt.items():
            self.stdout.write(f"{name}: rebuilt from {count} event(s)")
        if not rebuilt:
            self.stdout.write("no projections registered")

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from messaging.replay import ReplayFailed, ReplayRange, replay_events


def _datetime(value: str):
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"not an ISO 8601 date-time: {value!r}")
    return parsed


class Command(BaseCommand):
    help = (
        "Re-publish stored events (by position range, stream or time) to the event bus, in "
        "the log's order."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--from-position", type=int, help="positions number events in append order"
        )
        parser.add_argument("--to-position", type=int)
        parser.add_argument("--stream", type=uuid.UUID, help="only this stream id")
        parser.add_argument("--since", type=_datetime, help="occurred at or after (ISO 8601)")
        parser.add_argument("--until", type=_datetime, help="occurred before (ISO 8601)")

    def handle(self, *args, **options) -> None:
        selection = ReplayRange(
            from_position=options["from_position"],
            to_position=options["to_position"],
            stream_id=options["stream"],
            since=options["since"],
            until=options["until"],
        )
        try:
            count = replay_events(selection)
        except ReplayFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"replayed {count} event(s)"))

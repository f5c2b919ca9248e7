from django.core.management.base import BaseCommand, CommandError

from messaging.consumers import get_consumer, start_at_heads
from messaging.kafka_consumer import ConsumerLoop


class Command(BaseCommand):
    help = "Run one consumer group against Kafka until SIGTERM (finishes the message in hand)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the consumer's name (its Kafka consumer group)")
        parser.add_argument("--max-messages", type=int, default=None)
        parser.add_argument(
            "--start-at-heads",
            action="store_true",
            dest="at_heads",
            help="first count every existing stream as applied up to its current version "
            "(a consumer joining late; replay_events feeds it the past instead)",
        )

    def handle(self, *args, name: str, max_messages: int | None, at_heads: bool, **options) -> None:
        try:
            consumer = get_consumer(name)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if at_heads:
            started = start_at_heads(consumer)
            self.stdout.write(f"consumer {name} starts at the heads of {started} stream(s)")
        loop = ConsumerLoop(consumer)
        loop.install_signal_handlers()
        self.stdout.write(f"consumer {name} reading {', '.join(consumer.topics)}")
        handled = loop.run(max_messages=max_messages)
        self.stdout.write(f"consumer {name} stopped after {handled} message(s)")

from django.core.management.base import BaseCommand, CommandError

from messaging.consumers import get_consumer
from messaging.kafka_consumer import ConsumerLoop


class Command(BaseCommand):
    help = "Run one consumer group against Kafka until SIGTERM (finishes the message in hand)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the consumer's name (its Kafka consumer group)")
        parser.add_argument("--max-messages", type=int, default=None)

    def handle(self, *args, name: str, max_messages: int | None, **options) -> None:
        try:
            consumer = get_consumer(name)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        loop = ConsumerLoop(consumer)
        loop.install_signal_handlers()
        self.stdout.write(f"consumer {name} reading {', '.join(consumer.topics)}")
        handled = loop.run(max_messages=max_messages)
        self.stdout.write(f"consumer {name} stopped after {handled} message(s)")

from django.core.management.base import BaseCommand

from eventstore.selectors import consumer_lags, open_dead_letters, outbox_lag


class Command(BaseCommand):
    help = "Show outbox lag, consumer lag and open dead letters."

    def handle(self, *args, **options) -> None:
        outbox = outbox_lag()
        age = f"{outbox.oldest_age_seconds:.1f} s" if outbox.oldest_age_seconds is not None else "-"
        self.stdout.write(f"outbox: {outbox.pending} unpublished, oldest {age}")
        for lag in consumer_lags():
            shown = lag.lag if lag.lag is not None else f"unknown ({lag.error})"
            self.stdout.write(f"consumer {lag.consumer}: lag {shown}")
        self.stdout.write(f"dead letters: {open_dead_letters()} open")

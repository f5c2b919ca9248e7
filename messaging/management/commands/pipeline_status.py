from django.core.management.base import BaseCommand

from eventstore.sealing import seal_lag
from messaging.selectors import consumer_lags, open_dead_letters, parked_events, relay_lag


class Command(BaseCommand):
    help = "Show relay lag, consumer lag, open dead letters, parked events and seal lag."

    def handle(self, *args, **options) -> None:
        relay = relay_lag()
        age = f"{relay.oldest_age_seconds:.1f} s" if relay.oldest_age_seconds is not None else "-"
        error = f"; last error: {relay.last_error}" if relay.last_error else ""
        self.stdout.write(f"relay: {relay.pending} unpublished, oldest {age}{error}")
        for lag in consumer_lags():
            shown = lag.lag if lag.lag is not None else f"unknown ({lag.error})"
            self.stdout.write(f"consumer {lag.consumer}: lag {shown}")
        self.stdout.write(f"dead letters: {open_dead_letters()} open")
        self.stdout.write(f"parked events: {parked_events()} waiting for their predecessor")
        seal = seal_lag()
        size = seal.latest.tree_size if seal.latest else 0
        oldest = f", oldest {seal.oldest_age:.1f} s" if seal.oldest else ""
        self.stdout.write(f"seal: {seal.unsealed} event(s) not sealed{oldest}; tree of {size}")

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Relay, bus, consumers and dead letters, built on the event store (which knows nothing
    of them: it only says when appended events have committed)."""

    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from eventstore.signals import checkpoint_sealed, events_committed
        from messaging import checks  # noqa: F401 (registers them)
        from messaging.consumers import consumers
        from messaging.tasks import relay_after_commit, seal_after_commit, witness_after_seal

        consumers.collect()
        events_committed.connect(relay_after_commit, dispatch_uid="messaging.relay")
        events_committed.connect(seal_after_commit, dispatch_uid="messaging.seal")
        checkpoint_sealed.connect(witness_after_seal, dispatch_uid="messaging.witness")

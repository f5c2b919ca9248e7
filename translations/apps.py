from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    name = "translations"

    def ready(self) -> None:
        from eventstore.consumers import register_consumer
        from eventstore.projections import register_projection
        from translations import events, handlers, projections

        events.register_all()
        register_projection(projections.REQUESTS)
        register_consumer(handlers.CONSUMER)

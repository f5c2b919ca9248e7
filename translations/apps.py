from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    name = "translations"
    # Collected at start-up by the event store's and the consumers' registries.
    event_types = "translations.events.ALL"
    projections = "translations.projections.ALL"
    consumers = "translations.handlers.ALL"

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    # Collected at start-up by the event store's and the consumers' registries.
    event_types = "documents.events.ALL"
    projections = "documents.projections.ALL"
    consumers = "documents.handlers.ALL"

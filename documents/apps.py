from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        from documents import events, handlers, projections
        from eventstore.consumers import register_consumer
        from eventstore.projections import register_projection

        events.register_all()
        register_projection(projections.DOCUMENTS)
        register_consumer(handlers.CONSUMER)

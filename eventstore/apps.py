from django.apps import AppConfig


class EventstoreConfig(AppConfig):
    name = "eventstore"
    verbose_name = "Event store"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django_structlog.signals import bind_extra_request_metadata

        from eventstore import checks  # noqa: F401 (registers them)
        from eventstore.middleware import bind_operation_to_request_logs
        from eventstore.projections import projections
        from eventstore.registry import registry
        from eventstore.timestamps import use_fast_timestamps

        # Every app module is imported by now: collect what the apps declare.
        registry.collect()
        projections.collect()

        bind_extra_request_metadata.connect(
            bind_operation_to_request_logs, dispatch_uid="eventstore.request_logs"
        )
        connection_created.connect(use_fast_timestamps, dispatch_uid="eventstore.timestamps")

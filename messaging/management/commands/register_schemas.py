from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from messaging.schema_registry import (
    COMPATIBILITY,
    SchemaRegistrationFailed,
    register_topic_schemas,
    registry_client,
)


class Command(BaseCommand):
    help = (
        "Register each bounded context's topic schema (a oneOf of its event types' envelopes) "
        f"under <topic>-value with {COMPATIBILITY} compatibility, before anything is published; "
        "fails, naming the subject and the changed event types, if the registry refuses one."
    )

    def handle(self, *args, **options) -> None:
        if not settings.SCHEMA_REGISTRY_URL:
            raise CommandError("SCHEMA_REGISTRY_URL is not set: no registry to register in")
        try:
            ids = register_topic_schemas(registry_client(settings.SCHEMA_REGISTRY_URL))
        except SchemaRegistrationFailed as exc:
            raise CommandError(str(exc)) from None
        for subject, schema_id in ids.items():
            self.stdout.write(f"{subject}: schema id {schema_id} ({COMPATIBILITY})")

from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    name = "translations"

    def ready(self) -> None:
        from translations import events

        events.register_all()

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    # Its own consumer group, fed by the translations context's events.
    consumers = "notifications.handlers.ALL"

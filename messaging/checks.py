"""Start-up checks of the messaging configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def relay_sessions_need_a_shared_cache(app_configs, **kwargs) -> list[Error]:
    """Relay sessions are coordinated through the cache: with Celery on a broker (not
    eager), every process must see the same cache, or each would queue its own sessions
    and count on promises no session made."""
    from celery import current_app

    backend = settings.CACHES["default"]["BACKEND"]
    if current_app.conf.task_always_eager or backend == "django_redis.cache.RedisCache":
        return []
    return [
        Error(
            f"the relay needs a shared Redis cache when Celery runs on a broker; the cache "
            f"is {backend}",
            hint="set CACHE_URL=redis://<host>:<port>/<db> (the broker's Redis will do)",
            id="messaging.E001",
        )
    ]

"""Site-wide pages that belong to no bounded context."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults
from kombu import Connection

from eventstore.sealing import seal_lag
from messaging.selectors import consumer_lags, open_dead_letters, relay_lag


def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, the Celery broker and (in the distributed mode)
    Kafka answer and the relay and the sealer keep up with the log; 503 naming what is wrong
    otherwise. Also reports relay lag, consumer lag, open dead letters and the seal lag."""
    checks: dict[str, str] = {}
    for name, check in _checks():
        try:
            checks[name] = check() or "ok"
        except Exception as exc:  # a failing dependency is reported, never raised
            checks[name] = f"error: {exc}"
    pipeline: dict[str, object] = {}
    if checks["database"] == "ok":
        relay, seal = relay_lag(), seal_lag()
        pipeline = {
            "relay_pending": relay.pending,
            "relay_oldest_age_seconds": relay.oldest_age_seconds,
            "dead_letters_open": open_dead_letters(),
            "consumer_lag": {lag.consumer: lag.lag for lag in consumer_lags()},
            "seal_unsealed": seal.unsealed,
            "seal_oldest_age_seconds": round(seal.oldest_age, 3) if seal.oldest else None,
            "sealed_tree_size": seal.latest.tree_size if seal.latest else 0,
        }
        age = relay.oldest_age_seconds
        if age is not None and age > settings.MESSAGING_RELAY_MAX_AGE:
            checks["relay"] = f"error: oldest unpublished event is {age:.0f} s old"
        if seal.oldest and seal.oldest_age > settings.EVENTSTORE_SEAL_MAX_AGE:
            checks["seal"] = f"error: oldest unsealed event is {seal.oldest_age:.0f} s old"
    healthy = not any(value.startswith("error") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks, "pipeline": pipeline},
        status=200 if healthy else 503,
    )


def _checks():
    def database() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def broker() -> str | None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return "eager (no broker)"
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return None

    def kafka() -> str | None:
        if settings.EVENT_BUS != "kafka":
            return "not used (in-process bus)"
        from confluent_kafka.admin import AdminClient

        from messaging.topics import degradation

        admin = AdminClient({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
        return degradation(admin.list_topics(timeout=3))  # still serving: not an error

    return [("database", database), ("broker", broker), ("kafka", kafka)]


def favicon(request: HttpRequest) -> HttpResponse:
    """For clients that ask for /favicon.ico without reading the pages' icon link."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


# --- Errors: JSON under /api/, Django's pages elsewhere ------------------------------------


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "the request could not be read"}, status=400)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):  # nothing of the URL patterns or the lookup is told
        return JsonResponse({"detail": "not found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "internal error; it has been logged"}, status=500)
    return defaults.server_error(request)

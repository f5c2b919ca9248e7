"""Logging: structlog for our own lines, the same renderer for Django's, Celery's and
Kafka's stdlib lines, so that every line carries the operation's bound context
(correlation id, actor, request id) whichever logger wrote it."""

from __future__ import annotations

from typing import Any

import structlog

# Processors that every line goes through before rendering, whether it came from
# structlog or from a stdlib logger.
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` dict: ``fmt`` is "json" (one JSON object per line, for production)
    or "console" (readable lines, for development)."""
    if fmt not in {"json", "console"}:
        raise ValueError(f"LOG_FORMAT must be 'json' or 'console', not {fmt!r}")
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *([structlog.processors.format_exc_info] if fmt == "json" else []),
                    renderer,
                ],
                "foreign_pre_chain": [*SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
            },
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "structlog"},
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # Django logs every 4xx/5xx itself; django-structlog's request_finished says it.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }

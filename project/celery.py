"""The Celery application. Tasks are discovered in each installed app's ``tasks`` module."""

from __future__ import annotations

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Binds the context of the operation that queued a task (its correlation id) to the task's
# log lines in the worker.
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def use_django_logging(**_kwargs) -> None:
    """The worker logs like the web process instead of Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)

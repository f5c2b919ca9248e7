"""Target languages, by the codes and names of Django's ``LANGUAGES`` setting: both contexts
name them in their messages ("the French translation"), so they share one list."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings


def language_codes() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def language_name(code: str) -> str:
    """``fr`` → ``French``; a code the setting does not know is shown as it is."""
    return str(dict(settings.LANGUAGES).get(code, code))


def in_words(items: Iterable[str]) -> str:
    """``["French", "German", "Italian"]`` → ``French, German and Italian``."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"

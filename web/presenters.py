"""Events as people read them: who did what, when, in which operation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from documents.models import DocumentView
from eventstore import audit
from eventstore.audit import CausalNode
from eventstore.models import Event
from kernel.languages import in_words, language_name

SUMMARIES = {
    "documents.DocumentUploaded": "uploaded {filename} as revision 1",
    "documents.RevisionUploaded": "uploaded {filename} as revision {revision}",
    "documents.DocumentLocked": "locked the document for request {request_id:.8}",
    "documents.DocumentLockRejected": "refused the lock: {reason}",
    "documents.DocumentUnlocked": "unlocked the document ({reason})",
    "translations.TranslationRequested": "requested revision {revision} in {target_language}",
    "translations.TranslationOpened": "opened the request to translators",
    "translations.TranslationRejected": "rejected the request: {reason}",
    "translations.TranslationCancelled": "cancelled the request",
    "translations.TranslationAccepted": "accepted the request",
    "translations.TranslationDelivered": "delivered {filename}",
    "translations.TranslationExpired": "expired the request at its deadline",
}


def lock_summary(document: DocumentView) -> str:
    """``the French and German translations of revision 2 are``: what holds the lock."""
    languages = [language_name(lock.target_language) for lock in document.locks.all()]
    named = [name for name in languages if name]
    plural = len(languages) > 1
    what = f"{in_words(named)} " if len(named) == len(languages) else ""
    noun = "translations" if plural else "translation"
    verb = "are" if plural else "is"
    return f"the {what}{noun} of revision {document.locked_revision} {verb}"


def state_key(document: DocumentView, requests: Iterable) -> str:
    """Changes whenever anything the live part of a document's page shows changes: the
    document's and its requests' stream versions."""
    versions = [f"{document.pk}:{document.version}", *(f"{r.pk}:{r.version}" for r in requests)]
    return hashlib.sha256(",".join(sorted(versions)).encode()).hexdigest()[:16]


@dataclass
class Entry:
    event: Event
    who: str
    what: str

    @property
    def correlation_id(self) -> str:
        return self.event.metadata.get("correlation_id", "")

    @property
    def context(self) -> str:
        return self.event.event_type.split(".", 1)[0]


def entries(events: Iterable[Event]) -> list[Entry]:
    events = list(events)
    names = _actor_names(e.metadata.get("actor", "") for e in events)
    return [
        Entry(event=e, who=names.get(e.metadata.get("actor", ""), "someone"), what=_what(e))
        for e in events
    ]


def causal_tree(events: Iterable[Event]) -> list[CausalNode[Entry]]:
    """One operation's events, each under the event that caused it."""
    return audit.causal_tree(entries(events), event_of=lambda entry: entry.event)


def _what(event: Event) -> str:
    template = SUMMARIES.get(event.event_type)
    try:
        return template.format(**event.data) if template else event.event_type
    except (KeyError, ValueError):
        return event.event_type


def _actor_names(actors: Iterable[str]) -> dict[str, str]:
    actors = set(actors)
    ids = {a.split(":", 1)[1]: a for a in actors if a.startswith("user:")}
    users = get_user_model().objects.filter(pk__in=[i for i in ids if i.isdigit()])
    names = {ids[str(u.pk)]: u.get_username() for u in users}
    for actor in actors - set(names):
        names[actor] = actor.removeprefix("system:").replace("consumer:", "") + " (system)"
    return names

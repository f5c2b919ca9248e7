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

# What each event says, in the words of the page: (a person did it, nobody in particular did
# it). ``{who}`` is the person's name, ``{request}`` the request's name ("the French
# translation of revision 2"); the rest comes from the event's data.
SENTENCES: dict[str, tuple[str, str]] = {
    "documents.DocumentUploaded": (
        "{who} uploaded {filename} as revision 1", "{filename} was uploaded as revision 1"),
    "documents.RevisionUploaded": (
        "{who} uploaded {filename} as revision {revision}",
        "{filename} was uploaded as revision {revision}"),
    "documents.DocumentLocked": (
        "", "The document was locked while {request} is in progress"),
    "documents.DocumentLockRejected": ("", "{Request} could not start: {reason}"),
    "documents.DocumentUnlocked": ("", "The document was unlocked: {request} was {reason}"),
    "translations.TranslationRequested": (
        "{who} asked for {request}", "{Request} was asked for"),
    "translations.TranslationOpened": ("", "{Request} was offered to translators"),
    "translations.TranslationRejected": ("", "{Request} was refused: {reason}"),
    "translations.TranslationCancelled": ("{who} cancelled {request}", "{Request} was cancelled"),
    "translations.TranslationAccepted": ("{who} accepted {request}", "{Request} was accepted"),
    "translations.TranslationDelivered": (
        "{who} delivered {request} ({filename})", "{Request} was delivered ({filename})"),
    "translations.TranslationDeclined": (
        "{who} declined {request}", "{Request} was declined"),
    "translations.TranslationReleased": (
        "{who} gave back {request}: {reason}", "{Request} was given back: {reason}"),
    "translations.ChangesRequested": (
        "{who} asked for changes to {request}: {comment}",
        "Changes to {request} were asked for: {comment}"),
    "translations.DeliveryApproved": ("{who} approved {request}", "{Request} was approved"),
    "translations.TranslationExpired": ("", "{Request} expired at its deadline"),
}  # fmt: skip
AUTOMATIC_APPROVAL = "{Request} was approved automatically: nobody answered its delivery"


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
    """One event as a sentence, with its technical details kept for the curious."""

    event: Event
    who: str
    what: str

    @property
    def correlation_id(self) -> str:
        return self.event.metadata.get("correlation_id", "")

    @property
    def context(self) -> str:
        return self.event.event_type.split(".", 1)[0]

    @property
    def actor(self) -> str:
        return self.event.metadata.get("actor", "")


@dataclass
class Chapter:
    """One operation of a history: what one person's action, and what it set off, did."""

    correlation_id: str
    entries: list[Entry]

    @property
    def headline(self) -> Entry:
        return self.entries[0]

    @property
    def started_at(self):
        return self.entries[0].event.occurred_at


def entries(events: Iterable[Event], request_names: dict[str, str]) -> list[Entry]:
    """Each event as a sentence: people by name, requests by ``request_names`` (a request's
    id: "the French translation of revision 2")."""
    events = list(events)
    names = _people(e.metadata.get("actor", "") for e in events)
    return [
        Entry(event=e, who=names.get(e.metadata.get("actor", ""), ""), what=_sentence(
            e, names.get(e.metadata.get("actor", ""), ""), request_names))
        for e in events
    ]  # fmt: skip


def story(events: Iterable[Event], request_names: dict[str, str]) -> list[Chapter]:
    """A history as chapters, one per operation, in the order of the events given (newest
    first or oldest first), each chapter told in the order it happened."""
    chapters: dict[str, Chapter] = {}
    for entry in entries(events, request_names):
        key = entry.correlation_id or str(entry.event.pk)
        chapters.setdefault(key, Chapter(correlation_id=entry.correlation_id, entries=[]))
        chapters[key].entries.append(entry)
    for chapter in chapters.values():
        chapter.entries.sort(key=lambda entry: (entry.event.log_tx, entry.event.position))
    return list(chapters.values())


def request_name(target_language: str, revision: int) -> str:
    return f"the {language_name(target_language)} translation of revision {revision}"


def causal_tree(events: Iterable[Event], request_names: dict[str, str]) -> list[CausalNode[Entry]]:
    """One operation's events, each under the event that caused it."""
    return audit.causal_tree(entries(events, request_names), event_of=lambda entry: entry.event)


def _sentence(event: Event, who: str, request_names: dict[str, str]) -> str:
    person, nobody = SENTENCES.get(event.event_type, ("", ""))
    if event.event_type == "translations.DeliveryApproved" and event.data.get("automatically"):
        person, nobody = "", AUTOMATIC_APPROVAL
    template = person if who and person else nobody
    if not template:
        return event.event_type
    request_id = str(event.data.get("request_id") or event.stream_id)
    request = request_names.get(request_id, "the translation request")
    try:
        return template.format(
            who=who, request=request, Request=request[:1].upper() + request[1:], **event.data
        )
    except (KeyError, ValueError):
        return event.event_type


def _people(actors: Iterable[str]) -> dict[str, str]:
    """The people among the actors, by name; services and consumers are nobody in
    particular (their events are told in the passive)."""
    ids = {a.split(":", 1)[1]: a for a in set(actors) if a.startswith("user:")}
    users = get_user_model().objects.filter(pk__in=[i for i in ids if i.isdigit()])
    return {ids[str(u.pk)]: u.get_full_name() or u.get_username() for u in users}

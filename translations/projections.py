"""Keeps ``RequestView`` from the request events, in the appending transaction, and
rebuilds it from the store."""

from __future__ import annotations

from datetime import datetime

from eventstore.projections import Projection
from eventstore.store import RecordedEvent
from translations import aggregate, events
from translations.models import DeclineView, DeliveryView, LanguagePairView, RequestView


def apply(event: RecordedEvent) -> None:
    data = event.data
    if event.event_type == events.TRANSLATION_REQUESTED.name:
        deadline = data.get("deadline")
        RequestView.objects.create(
            id=event.stream_id,
            document_id=data["document_id"],
            revision=data["revision"],
            source_sha256=data["source_sha256"],
            customer_id=data["customer_id"],
            target_language=data["target_language"],
            deadline=datetime.fromisoformat(deadline) if deadline else None,
            note=data.get("note", ""),
            word_count=data["word_count"],
            source_language=data.get("source_language") or "",
            document_title=data["document_title"],
            status=aggregate.PENDING,
            version=event.version,
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
        )
        return
    request = RequestView.objects.get(pk=event.stream_id)
    request.status = aggregate.status_after(request.status, event)
    match event.event_type:
        case events.TRANSLATION_REJECTED.name | events.TRANSLATION_CANCELLED.name:
            request.reason = data.get("reason", "")
        case events.TRANSLATION_EXPIRED.name:
            request.reason = f"not accepted by its deadline {data['deadline']}"
        case events.TRANSLATION_ACCEPTED.name:
            request.translator_id = data["translator_id"]
        case events.TRANSLATION_RELEASED.name:
            request.translator_id = None
            request.reason = f"released by the translator: {data['reason']}"
        case events.TRANSLATION_DECLINED.name:
            DeclineView.objects.create(
                request=request, translator_id=data["translator_id"], reason=data["reason"],
                declined_at=event.occurred_at,
            )  # fmt: skip
        case events.TRANSLATION_DELIVERED.name:
            number = data.get("delivery", request.deliveries.count() + 1)
            DeliveryView.objects.create(
                request=request, number=number, translator_id=data["translator_id"],
                sha256=data["translated_sha256"], filename=data.get("filename", ""),
                size=data.get("size"), delivered_at=event.occurred_at,
            )  # fmt: skip
            request.translated_sha256 = data["translated_sha256"]
            request.translated_filename = data.get("filename", "")
            request.translated_size = data.get("size")
            request.delivered_at = event.occurred_at
        case events.CHANGES_REQUESTED.name:
            request.review_comment = data["comment"]
    request.version = event.version
    request.updated_at = event.occurred_at
    request.save()


def reset() -> None:
    DeclineView.objects.all().delete()
    DeliveryView.objects.all().delete()
    RequestView.objects.all().delete()


REQUESTS = Projection(
    name="translations.requests",
    event_types=frozenset(e.name for e in events.ALL) - {events.LANGUAGE_PAIRS_SET.name},
    apply=apply,
    reset=reset,
)


def apply_profile(event: RecordedEvent) -> None:
    translator_id = event.data["translator_id"]
    LanguagePairView.objects.filter(translator_id=translator_id).delete()
    LanguagePairView.objects.bulk_create(
        LanguagePairView(translator_id=translator_id, source=p["source"], target=p["target"])
        for p in event.data["pairs"]
    )


LANGUAGE_PAIRS = Projection(
    name="translations.language_pairs",
    event_types=frozenset({events.LANGUAGE_PAIRS_SET.name}),
    apply=apply_profile,
    reset=lambda: LanguagePairView.objects.all().delete(),
)

ALL = [REQUESTS, LANGUAGE_PAIRS]

"""Reading the translations context's read model."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from translations.aggregate import OPEN
from translations.models import DeclineView, LanguagePairView, RequestView


def requests_of_customer(customer_id: int) -> QuerySet[RequestView]:
    return RequestView.objects.filter(customer_id=customer_id)


def requests_for_translator(translator_id: int) -> QuerySet[RequestView]:
    """What a translator may see: the open requests in their language pairs that they have
    not declined, and the ones they accepted (also once delivered)."""
    declined = DeclineView.objects.filter(translator_id=translator_id).values("request_id")
    offered = Q(status=OPEN) & ~Q(pk__in=declined) & in_pairs_of(translator_id)
    return RequestView.objects.filter(offered | Q(translator_id=translator_id))


def in_pairs_of(translator_id: int) -> Q:
    """Requests in one of the translator's pairs: into its target, from its source or from
    a language not said. Everything while they have set no pairs."""
    pairs = list(LanguagePairView.objects.filter(translator_id=translator_id))
    if not pairs:
        return Q()
    matches = Q(pk__in=[])
    for pair in pairs:
        source = Q(source_language=pair.source) | Q(source_language="")
        matches |= Q(target_language=pair.target) & source
    return matches


def language_pairs_of(translator_id: int) -> QuerySet[LanguagePairView]:
    return LanguagePairView.objects.filter(translator_id=translator_id)


def all_requests() -> QuerySet[RequestView]:
    return RequestView.objects.all()


def requests_of_document(document_id: uuid.UUID) -> QuerySet[RequestView]:
    return RequestView.objects.filter(document_id=document_id)


def request(request_id: uuid.UUID) -> RequestView | None:
    return RequestView.objects.filter(pk=request_id).first()


def translators_offered(request: RequestView) -> list[int]:
    """The translators whose pairs offer them this open request (who have not declined it):
    into its target language, from its source language or from any when it was not said."""
    pairs = LanguagePairView.objects.filter(target=request.target_language)
    if request.source_language:
        pairs = pairs.filter(source=request.source_language)
    declined = DeclineView.objects.filter(request=request).values("translator_id")
    return sorted(
        set(pairs.exclude(translator_id__in=declined).values_list("translator_id", flat=True))
    )

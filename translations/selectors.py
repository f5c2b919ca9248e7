"""Reading the translations context's read model."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from translations.aggregate import OPEN
from translations.models import DeclineView, RequestView


def requests_of_customer(customer_id: int) -> QuerySet[RequestView]:
    return RequestView.objects.filter(customer_id=customer_id)


def requests_for_translator(translator_id: int) -> QuerySet[RequestView]:
    """What a translator may see: the open requests they have not declined, and the ones
    they accepted (also once delivered)."""
    declined = DeclineView.objects.filter(translator_id=translator_id).values("request_id")
    return RequestView.objects.filter(
        (Q(status=OPEN) & ~Q(pk__in=declined)) | Q(translator_id=translator_id)
    )


def all_requests() -> QuerySet[RequestView]:
    return RequestView.objects.all()


def requests_of_document(document_id: uuid.UUID) -> QuerySet[RequestView]:
    return RequestView.objects.filter(document_id=document_id)

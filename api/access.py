"""Who may see and do what, across both contexts (the API composes them; neither context
knows the other).

Customers see their own documents and requests; translators see open requests, the ones
they accepted, and the source revisions of those; staff see everything. What one may not
see does not exist for them (404).
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts import security
from accounts.events import ACCESS_DENIED
from accounts.roles import is_customer, is_staff_member, is_translator
from documents import selectors as documents
from documents.models import DocumentView
from translations import selectors as translations
from translations.models import RequestView

__all__ = [
    "is_customer", "is_staff_member", "is_translator", "may_read_revision",
    "visible_documents", "visible_requests",
]  # fmt: skip


def visible_documents(user: AbstractBaseUser) -> QuerySet[DocumentView]:
    if is_staff_member(user):
        return documents.all_documents()
    return documents.documents_of(user.pk)


def visible_requests(user: AbstractBaseUser) -> QuerySet[RequestView]:
    if is_staff_member(user):
        return translations.all_requests()
    mine = translations.requests_of_customer(user.pk)
    if is_translator(user):
        mine = mine | translations.requests_for_translator(user.pk)
    return mine


def may_read_revision(user: AbstractBaseUser, document_id: uuid.UUID, revision: int) -> bool:
    """Owners and staff read every revision; a translator reads the revision a request they
    can see is pinned to."""
    if visible_documents(user).filter(pk=document_id).exists():
        return True
    return visible_requests(user).filter(document_id=document_id, revision=revision).exists()


def visible_document(user: AbstractBaseUser, document_id: uuid.UUID) -> DocumentView:
    found = visible_documents(user).filter(pk=document_id).first()
    if found is None:
        if documents.all_documents().filter(pk=document_id).exists():
            _denied(user, "document", document_id)
        raise Http404("not found")
    return found


def visible_request(user: AbstractBaseUser, request_id: uuid.UUID) -> RequestView:
    found = visible_requests(user).filter(pk=request_id).first()
    if found is None:
        if translations.all_requests().filter(pk=request_id).exists():
            _denied(user, "translation-request", request_id)
        raise Http404("not found")
    return found


def _denied(user: AbstractBaseUser, resource: str, resource_id: uuid.UUID) -> None:
    """Somebody asked for what exists but is not theirs: the audit hears of it (they see
    a 404, as for what does not exist)."""
    security.record(
        ACCESS_DENIED, user_id=user.pk,
        data={"resource": resource, "resource_id": str(resource_id), **security.current_client()},
    )  # fmt: skip


def owned_document(user: AbstractBaseUser, document_id: uuid.UUID) -> DocumentView:
    """The document, for acting on it as its owner: 404 if the user may not see it, 403 if
    they see it (staff) but do not own it."""
    document = visible_document(user, document_id)
    if document.owner_id != user.pk:
        raise PermissionDenied("only the document's owner can do this")
    return document


def submitted_request(
    user: AbstractBaseUser, request_id: uuid.UUID, action: str = "cancel it"
) -> RequestView:
    """The request, for acting on it as the customer who submitted it (404 / 403 likewise)."""
    request = visible_request(user, request_id)
    if request.customer_id != user.pk:
        raise PermissionDenied(f"only the customer who submitted the request can {action}")
    return request


def translator_request(user: AbstractBaseUser, request_id: uuid.UUID) -> RequestView:
    """The request, for acting on it as a translator (404 if not theirs to see, 403 for
    staff who are not translators)."""
    request = visible_request(user, request_id)
    if not is_translator(user):
        raise PermissionDenied("only translators do this")
    return request

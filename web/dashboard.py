"""The dashboard's list: a user's documents found by title, filtered by what their
translations are doing, sorted by last activity or by the nearest deadline still ahead, in
keyset pages (no OFFSET, no page that shifts when something new arrives)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from api import access
from documents.models import DocumentView
from translations.aggregate import FINAL
from translations.models import RequestView

PAGE_SIZE = 20
SORTS = {"updated": "Last activity", "deadline": "Nearest deadline"}
# Documents with no deadline ahead sort after every real one, on every database (SQLite
# puts NULLs first): a date no deadline reaches stands in for "none".
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Query:
    text: str = ""
    status: str = ""
    language: str = ""
    sort: str = "updated"
    after: str = ""


@dataclass
class Row:
    document: DocumentView
    # The newest request per language: what the document's translations are doing now.
    languages: list[RequestView] = field(default_factory=list)
    next_deadline: datetime | None = None


@dataclass
class Page:
    rows: list[Row]
    total: int
    next_after: str | None


def dashboard(user: AbstractBaseUser, query: Query) -> Page:
    """One page of the documents ``user`` can see that match ``query``."""
    found = _matching(user, query)
    total = found.count()
    found = _sorted(found, query.sort)
    with_cursor = _after(found, query)
    page = list(with_cursor.prefetch_related("locks")[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    rows = _rows(user, page)
    return Page(rows=rows, total=total, next_after=_cursor(page[-1], query.sort) if more else None)


def _matching(user: AbstractBaseUser, query: Query) -> QuerySet[DocumentView]:
    found = access.visible_documents(user)
    if query.text:
        found = found.filter(title__icontains=query.text)
    if query.status or query.language:
        requests = access.visible_requests(user)
        if query.status:
            requests = requests.filter(status=query.status)
        if query.language:
            requests = requests.filter(target_language=query.language)
        found = found.filter(pk__in=requests.values("document_id"))
    return found


def _sorted(found: QuerySet[DocumentView], sort: str) -> QuerySet[DocumentView]:
    requests = RequestView.objects.filter(document_id=OuterRef("pk"))
    newest_request = Subquery(requests.order_by("-updated_at").values("updated_at")[:1])
    ahead = requests.exclude(status__in=FINAL).filter(deadline__isnull=False)
    nearest = Subquery(ahead.order_by("deadline").values("deadline")[:1])
    found = found.annotate(
        activity=Greatest("updated_at", Coalesce(newest_request, "updated_at")),
        due=Coalesce(nearest, Value(NO_DEADLINE, output_field=DateTimeField())),
    )
    if sort == "deadline":
        return found.order_by("due", "pk")
    return found.order_by("-activity", "-pk")


def _cursor(document: DocumentView, sort: str) -> str:
    value = document.due if sort == "deadline" else document.activity
    return f"{value.isoformat()}~{document.pk}"


def _after(found: QuerySet[DocumentView], query: Query) -> QuerySet[DocumentView]:
    """The rows after a cursor from the previous page; a mangled cursor is the first page."""
    try:
        value, _, pk = query.after.partition("~")
        moment, key = datetime.fromisoformat(value), uuid.UUID(pk)
    except ValueError:
        return found
    if query.sort == "deadline":
        return found.filter(Q(due__gt=moment) | Q(due=moment, pk__gt=key))
    return found.filter(Q(activity__lt=moment) | Q(activity=moment, pk__lt=key))


def _rows(user: AbstractBaseUser, documents: list[DocumentView]) -> list[Row]:
    newest: dict[uuid.UUID, dict[str, RequestView]] = defaultdict(dict)
    requests = access.visible_requests(user).filter(document_id__in=[d.pk for d in documents])
    for request in requests.order_by("created_at"):
        newest[request.document_id][request.target_language] = request  # the newest wins
    rows = []
    for document in documents:
        languages = sorted(newest[document.pk].values(), key=lambda r: r.target_language_name)
        due = document.due if document.due != NO_DEADLINE else None
        rows.append(Row(document=document, languages=languages, next_deadline=due))
    return rows

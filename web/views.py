"""The customer's pages. Thin: the same services and access rules as the API."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from api import access, composition
from documents import services as documents
from documents.aggregate import DocumentError
from documents.models import DocumentView
from eventstore import bundles
from eventstore.exceptions import ConcurrencyError
from eventstore.log import LogKey
from eventstore.signing import trusted_verifiers
from eventstore.verify_bundle import verify
from kernel.languages import in_words, language_name
from translations import selectors as translation_selectors
from translations import services as translations
from translations.aggregate import FINAL, REJECTED, TransitionError
from translations.models import RequestView
from web import presenters
from web.dashboard import Query, dashboard
from web.forms import DashboardForm, LanguagePairsForm, RevisionForm, SubmitForm, UploadForm

HISTORY_PAGE = 50
logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    form = DashboardForm(request.GET)
    valid = form.is_valid()
    page = dashboard(request.user, form.query() if valid else Query())
    following = None
    if page.next_after:
        following = request.GET.copy()
        following["after"] = page.next_after
    return render(
        request,
        "web/dashboard.html",
        {"form": form, "page": page, "next_query": following.urlencode() if following else None,
         "filtered": valid and any(form.cleaned_data[f] for f in ("q", "status", "language")),
         "is_customer": access.is_customer(request.user),
         "is_translator": access.is_translator(request.user)},
        status=200 if valid else 400,
    )  # fmt: skip


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    if not access.is_customer(request.user):
        raise PermissionDenied("only customers upload documents")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = documents.document_upload(owner_id=request.user.pk, **form.cleaned_data)
        except documents.InvalidUpload as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"Uploaded {document.title}.")
            return _uploaded(request, document.pk)
    context = {"form": form, "max_bytes": settings.DOCUMENTS_MAX_UPLOAD_BYTES}
    return render(request, "web/upload.html", context, status=400 if form.errors else 200)


def _uploaded(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The document page after an upload: a redirect for a form, "201 Created" with the
    address for the upload script (upload.js). An XHR follows a redirect by itself, and that
    GET would take the "Uploaded ..." message before the browser shows the page."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        url = reverse("web:document", kwargs={"document_id": document_id})
        return HttpResponse(status=201, headers={"Location": url})
    return redirect("web:document", document_id=document_id)


def _page(request: HttpRequest, document: DocumentView, **forms) -> dict:
    requests = (
        access.visible_requests(request.user)
        .filter(document_id=document.pk)
        .prefetch_related("deliveries")
    )
    requests = list(requests.order_by("-created_at"))
    return {
        "document": document,
        "revisions": document.revisions.all(),
        "requests": requests,
        # The live part: a key of what it shows, and whether any of it can still change.
        "state": presenters.state_key(document, requests),
        "live": document.is_locked or any(r.status not in FINAL for r in requests),
        "is_owner": document.owner_id == request.user.pk,
        "lock_summary": presenters.lock_summary(document),
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "revision_form": forms.get("revision_form") or RevisionForm(),
        "max_bytes": settings.DOCUMENTS_MAX_UPLOAD_BYTES,
    }


@login_required
def document(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    return render(
        request,
        "web/document.html",
        _page(request, access.visible_document(request.user, document_id)),
    )


@login_required
def document_status(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The part of the document page that changes by itself (polled by htmx): 204 while it
    is what the browser shows (``?seen=``), else its new state; 286 (htmx stops polling)
    once nothing on it can change any more."""
    page = _page(request, access.visible_document(request.user, document_id))
    if request.GET.get("seen") == page["state"]:
        return HttpResponse(status=204)
    return render(request, "web/_status.html", page, status=200 if page["live"] else 286)


@login_required
@require_POST
def submit(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    found = access.owned_document(request.user, document_id)
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            created = composition.translation_requests(
                user=request.user, document_id=found.pk, **form.cleaned_data
            )
        except translations.InvalidRequest as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            _say_how_submissions_went(request, [r.pk for r in created])
            return redirect("web:document", document_id=found.pk)
    page = _page(request, found, submit_form=form)
    return render(request, "web/document.html", page, status=400)


def _say_how_submissions_went(request: HttpRequest, request_ids: list) -> None:
    """The answers known by now (in the embedded mode the documents context has answered
    already): a refusal is said as one, never under a green banner."""
    answered = (
        access.visible_requests(request.user).filter(pk__in=request_ids).order_by("created_at")
    )
    rejected = [r for r in answered if r.status == REJECTED]
    submitted = [r for r in answered if r.status != REJECTED]
    for refused in rejected:
        messages.error(
            request, f"The {language_name(refused.target_language)} request was refused: "
            f"{refused.reason}.",
        )  # fmt: skip
    if submitted:
        languages = in_words(language_name(r.target_language) for r in submitted)
        messages.success(
            request,
            f"Submitted revision {submitted[0].revision} for translation into {languages}.",
        )


@login_required
@require_POST
def new_revision(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    found = access.owned_document(request.user, document_id)
    form = RevisionForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            documents.document_revision_upload(document_id=found.pk, file=form.cleaned_data["file"])
        except documents.InvalidUpload as exc:
            form.add_error("file", str(exc))
        except (DocumentError, ConcurrencyError) as exc:
            form.add_error("file", str(exc))
            status = 409
        else:
            messages.success(request, "Uploaded a new revision.")
            return _uploaded(request, found.pk)
    page = _page(request, access.visible_document(request.user, document_id), revision_form=form)
    return render(request, "web/document.html", page, status=status)


@login_required
@require_POST
def cancel(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _customer_action(
        request, request_id, "cancel it", translations.translation_request_cancel,
        "Cancelled the request.",
    )  # fmt: skip


@login_required
@require_POST
def approve(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _customer_action(
        request, request_id, "approve a delivery", translations.translation_request_approve,
        "Approved the translation.",
    )  # fmt: skip


@login_required
@require_POST
def request_changes(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _customer_action(
        request, request_id, "ask for changes",
        translations.translation_request_request_changes,
        "Sent the translation back to the translator.", comment=request.POST.get("comment", ""),
    )  # fmt: skip


def _customer_action(request: HttpRequest, request_id, what: str, service, done: str, **given):
    """The customer's action on their request, from the document page: the outcome said
    there, as a message."""
    found = access.submitted_request(request.user, request_id, what)
    try:
        service(request_id=found.pk, **given)
    except (translations.InvalidRequest, TransitionError, ConcurrencyError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("web:document", document_id=found.document_id)


@login_required
def languages(request: HttpRequest) -> HttpResponse:
    """A translator's language pairs: the queue offers only the requests in them."""
    if not access.is_translator(request.user):
        raise PermissionDenied("only translators choose the languages they work in")
    pairs = translation_selectors.language_pairs_of(request.user.pk)
    initial = {
        "sources": sorted({p.source for p in pairs}),
        "targets": sorted({p.target for p in pairs}),
    }
    form = LanguagePairsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = translations.translator_language_pairs_set(
            translator_id=request.user.pk, **form.cleaned_data
        )
        messages.success(request, f"Saved: you are offered requests in {len(chosen)} pairs.")
        return redirect("web:languages")
    context = {"form": form, "pairs": pairs}
    return render(request, "web/languages.html", context, status=400 if form.errors else 200)


@login_required
def history(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The document's audit timeline as a story: one chapter per operation, newest first
    (``?order=oldest`` from the start), in keyset pages (``?after=<log key>``)."""
    found = access.visible_document(request.user, document_id)
    oldest_first = request.GET.get("order") == "oldest"
    events = composition.document_history(found.pk)
    with contextlib.suppress(ValueError):  # a mangled link shows the first page
        key = LogKey.parse(request.GET.get("after", ""))
        events = events.after(key) if oldest_first else events.before(key)
    if not oldest_first:
        events = events.order_by("-log_tx", "-position")
    page = list(events[: HISTORY_PAGE + 1])
    more = len(page) > HISTORY_PAGE
    page = page[:HISTORY_PAGE]
    names = _request_names(translation_selectors.requests_of_document(found.pk))
    return render(
        request,
        "web/history.html",
        {"document": found, "chapters": presenters.story(page, names),
         "oldest_first": oldest_first,
         "next_after": page[-1].log_key.token if more else None},
    )  # fmt: skip


@login_required
def history_verify(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """ "Verify this history": the checks the offline verifier makes, run here on the same
    bundle that the download gives, against the log's public keys."""
    found = access.visible_document(request.user, document_id)
    try:
        bundle = bundles.audit_bundle(composition.document_streams(found.pk))
    except bundles.NothingSealed as exc:
        context = {"document": found, "pending": str(exc)}
        return render(request, "web/verify.html", context, status=503)
    except bundles.TreeDamaged as exc:
        logger.error("audit tree damaged: %s", exc)
        return render(request, "web/verify.html", {"document": found, "damaged": str(exc)})
    keys = trusted_verifiers()
    return render(
        request,
        "web/verify.html",
        {"document": found, "result": verify(bundle, keys=keys), "keys": [k.vkey for k in keys]},
    )


@login_required
def history_bundle(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The audit bundle as a file, for ``python -m eventstore.verify_bundle``; ``?since=N``
    adds the consistency proof from a checkpoint of N events the user kept."""
    found = access.visible_document(request.user, document_id)
    since = request.GET.get("since")
    if since is not None and not since.isdigit():
        return JsonResponse({"since": ["a tree size (a whole number)"]}, status=400)
    try:
        bundle = bundles.audit_bundle(
            composition.document_streams(found.pk), since=int(since) if since else None
        )
    except bundles.NothingSealed as exc:
        return JsonResponse({"detail": str(exc)}, status=503, headers={"Retry-After": "5"})
    except bundles.TreeDamaged as exc:
        logger.error("audit tree damaged: %s", exc)
        return JsonResponse({"detail": f"the audit log cannot prove this: {exc}"}, status=500)
    except ValueError as exc:
        return JsonResponse({"since": [str(exc)]}, status=400)
    response = JsonResponse(bundle, json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="audit-{found.pk}.json"'
    return response


def verifier(request: HttpRequest) -> HttpResponse:
    """The offline verifier as one file (a Python zip application)."""
    response = HttpResponse(bundles.verifier_zipapp(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="verify_bundle.pyz"'
    return response


@login_required
def operation(request: HttpRequest, correlation_id: str) -> HttpResponse:
    """One operation's events across both contexts, as a tree of causes."""
    events = list(composition.operation_events(request.user, correlation_id))
    if not events:
        raise Http404("no operation with this id that you can see")
    return render(
        request,
        "web/operation.html",
        {"correlation_id": correlation_id,
         "tree": presenters.causal_tree(events, _request_names(
             access.visible_requests(request.user).filter(pk__in={e.stream_id for e in events}))),
         "started": events[0]},
    )  # fmt: skip


def _request_names(requests: Iterable[RequestView]) -> dict[str, str]:
    return {str(r.pk): presenters.request_name(r.target_language, r.revision) for r in requests}

"""The translator's desk in the Django admin: the queue of open requests, accept, deliver,
and their accepted work. Every action goes through the same services as the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from accounts.roles import is_staff_member, is_translator
from eventstore.exceptions import ConcurrencyError
from kernel.errors import ApplicationError
from translations import selectors, services
from translations.aggregate import DELIVERABLE, OPEN, RELEASABLE
from translations.models import RequestView


class DeadlineFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("24h", "within 24 hours"), ("7d", "within 7 days"), ("none", "no deadline")]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "24h":
                return queryset.filter(deadline__gte=now, deadline__lte=now + timedelta(hours=24))
            case "7d":
                return queryset.filter(deadline__gte=now, deadline__lte=now + timedelta(days=7))
            case "none":
                return queryset.filter(deadline__isnull=True)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "whose"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("accepted", "accepted by me")]

    def queryset(self, request, queryset):
        if self.value() == "accepted":
            return queryset.filter(translator_id=request.user.pk)
        return queryset


class DeliverForm(forms.Form):
    file = forms.FileField(allow_empty_file=True, label="Translated file")


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Why you give it back"
    )


@admin.register(RequestView)
class TranslationRequestAdmin(admin.ModelAdmin):
    """Read-only rows (they are a projection of the event store); the changes are the
    accept action and the deliver page."""

    # The translator's next step comes first, where a phone shows it (queue.css turns the
    # rows into cards on narrow screens and leaves out the least needed columns).
    list_display = (
        "next_step", "document", "target_language", "words", "due", "status",
        "source_language", "revision", "translator", "created_at", "work", "short_id",
    )  # fmt: skip
    list_display_links = ("document",)
    list_filter = ("status", "target_language", DeadlineFilter, MineFilter)
    ordering = selectors.QUEUE_ORDER
    actions = ["accept_selected", "decline_selected"]
    search_fields = ("=id", "=document_id")
    show_full_result_count = False

    # --- who sees what: translators their queue, staff everything ----------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[RequestView]:
        if is_staff_member(request.user):
            return selectors.all_requests()
        return selectors.requests_for_translator(request.user.pk)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_translator(request.user) or is_staff_member(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    # --- columns --------------------------------------------------------------------
    def get_changelist_instance(self, request: HttpRequest):
        """Marks the rows the viewer can accept or deliver (the columns have no request)."""
        cl = super().get_changelist_instance(request)
        translator = is_translator(request.user)
        for item in cl.result_list:  # the page the list shows, already read
            item.viewer_accepts = translator and item.status == OPEN
            item.viewer_delivers = (
                item.status in DELIVERABLE and item.translator_id == request.user.pk
            )
        return cl

    @admin.display(description="next step")
    def next_step(self, obj: RequestView) -> str:
        short = str(obj.pk)[:8]
        if getattr(obj, "viewer_accepts", False):
            # A button of the list's own form (forms cannot nest), posted to the accept view.
            accept = reverse("admin:translations_requestview_accept", args=[obj.pk])
            return format_html(
                '<button type="submit" class="button" formaction="{}" title="Accept request {}">'
                "Accept</button>",
                accept, short,
            )  # fmt: skip
        if getattr(obj, "viewer_delivers", False):
            deliver = reverse("admin:translations_requestview_deliver", args=[obj.pk])
            return format_html(
                '<a class="button" href="{}" title="Deliver request {}">Deliver</a>', deliver, short
            )
        return ""

    @admin.display(description="document")
    def document(self, obj: RequestView) -> str:
        return obj.document_title or f"document {str(obj.document_id)[:8]}"

    @admin.display(description="deadline", ordering="deadline")
    def due(self, obj: RequestView) -> str:
        if obj.deadline is None:
            return "no deadline"
        return f"due {timezone.localtime(obj.deadline):%Y-%m-%d %H:%M %Z}"

    @admin.display(description="size", ordering="word_count")
    def words(self, obj: RequestView) -> str:
        return "words not counted" if obj.word_count is None else f"{obj.word_count:,} words"

    @admin.display(description="request")
    def short_id(self, obj: RequestView) -> str:
        return str(obj.pk)[:8]

    @admin.display(description="work")
    def work(self, obj: RequestView) -> str:
        source = reverse("api:revision-file", args=[obj.document_id, obj.revision])
        links = [format_html('<a href="{}">source</a>', source)]
        if obj.status in RELEASABLE:
            release = reverse("admin:translations_requestview_release", args=[obj.pk])
            links.append(format_html('<a href="{}">Give back</a>', release))
        return format_html(" · ".join(["{}"] * len(links)), *links)

    # --- actions --------------------------------------------------------------------
    @admin.action(description="Accept the selected requests")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[RequestView]) -> None:
        self._each(request, queryset, services.translation_request_accept, "accept", "Accepted")

    @admin.action(description="Decline the selected requests (not offered to you again)")
    def decline_selected(self, request: HttpRequest, queryset: QuerySet[RequestView]) -> None:
        self._each(request, queryset, services.translation_request_decline, "decline", "Declined")

    def _each(self, request: HttpRequest, queryset, service, verb: str, done: str) -> None:
        """The translator's action on each selected request; each refusal said, none fatal."""
        if not is_translator(request.user):
            raise PermissionDenied(f"only translators {verb} requests")
        for item in queryset:
            try:
                service(request_id=item.pk, translator_id=request.user.pk)
            except (ApplicationError, ConcurrencyError) as exc:
                self.message_user(request, f"{str(item.pk)[:8]}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{done} {str(item.pk)[:8]}.", messages.SUCCESS)

    def get_urls(self):
        accept = self.admin_site.admin_view(self.accept_view)
        deliver = self.admin_site.admin_view(self.deliver_view)
        release = self.admin_site.admin_view(self.release_view)
        return [
            path("<uuid:request_id>/accept/", accept, name="translations_requestview_accept"),
            path("<uuid:request_id>/deliver/", deliver, name="translations_requestview_deliver"),
            path("<uuid:request_id>/release/", release, name="translations_requestview_release"),
            *super().get_urls(),
        ]

    def accept_view(self, request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
        """One row's Accept button: the bulk action's service for one request, then back to
        the list the translator came from."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        item = get_object_or_404(self.get_queryset(request), pk=request_id)
        self._each(request, [item], services.translation_request_accept, "accept", "Accepted")
        back = request.META.get("HTTP_REFERER", "")
        if url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(back)
        return redirect("admin:translations_requestview_changelist")

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """The request's history as the event store holds it: who did what, when. (Django's
        own history lists admin edits, and these rows are never edited: they are a
        projection of the request's events.)"""
        item = self.get_object(request, unquote(object_id))
        if item is None:
            raise Http404("no such request")
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of request {str(item.pk)[:8]}",
            "subtitle": None,
            "object": item,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "entries": selectors.request_history(item.pk),
            **(extra_context or {}),
        }
        return TemplateResponse(
            request, "admin/translations/requestview/object_history.html", context
        )

    def release_view(self, request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
        item = get_object_or_404(self.get_queryset(request), pk=request_id)
        if item.translator_id != request.user.pk:
            raise PermissionDenied("only the translator who accepted the request gives it back")
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.translation_request_release(
                    request_id=item.pk, translator_id=request.user.pk,
                    reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except (ApplicationError, ConcurrencyError) as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"Gave back {str(item.pk)[:8]}.", messages.SUCCESS)
                return redirect("admin:translations_requestview_changelist")
        return self._form_page(
            request,
            item,
            form,
            f"Give back request {str(item.pk)[:8]}",
            "admin/translations/release.html",
        )

    def _form_page(self, request, item, form, title: str, template: str) -> HttpResponse:
        """A translator's form about one request, in the admin's frame (400 with errors)."""
        context = {
            **self.admin_site.each_context(request),
            "title": title, "item": item, "form": form, "opts": self.model._meta,
        }  # fmt: skip
        return TemplateResponse(request, template, context, status=400 if form.errors else 200)

    def deliver_view(self, request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
        item = get_object_or_404(self.get_queryset(request), pk=request_id)
        if item.translator_id != request.user.pk:
            raise PermissionDenied("only the translator who accepted the request delivers it")
        form = DeliverForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.translation_request_deliver(
                    request_id=item.pk, translator_id=request.user.pk,
                    file=form.cleaned_data["file"],
                )  # fmt: skip
            except services.InvalidRequest as exc:
                form.add_error("file", str(exc))
            except (ApplicationError, ConcurrencyError) as exc:  # a state, or not theirs
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"Delivered {str(item.pk)[:8]}.", messages.SUCCESS)
                return redirect("admin:translations_requestview_changelist")
        return self._form_page(
            request,
            item,
            form,
            f"Deliver the translation of request {str(item.pk)[:8]}",
            "admin/translations/deliver.html",
        )

"""The audit views for staff: the event log (read-only, filterable, exportable), one
operation as a causal tree and the hash-chain verification."""

from __future__ import annotations

import contextlib
import csv
import json
import re
from datetime import datetime

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from rangefilter.filters import DateTimeRangeFilterBuilder

from eventstore.audit import causal_tree
from eventstore.log import LogKey
from eventstore.models import Event
from eventstore.selectors import actor_labels, event_log
from eventstore.verification import verify_audit


def _actor_labels(request: HttpRequest) -> dict[str, str]:
    """Every actor of the log with their name (``carla (user:1)``), read once per page (one
    query for the names) for both actor filters and the rows."""
    if not hasattr(request, "_event_actor_labels"):
        request._event_actor_labels = actor_labels(Event.objects.actors())
    return request._event_actor_labels


def _actors(request: HttpRequest) -> list[tuple[str, str]]:
    return list(_actor_labels(request).items())


class ActorFilter(admin.SimpleListFilter):
    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        return _actors(request)

    def queryset(self, request, queryset):
        return queryset.by_actor(self.value()) if self.value() else queryset


class ExcludeActorFilter(admin.SimpleListFilter):
    title = "all actors except"
    parameter_name = "not_actor"

    def lookups(self, request, model_admin):
        return _actors(request)

    def queryset(self, request, queryset):
        return queryset.excluding_actor(self.value()) if self.value() else queryset


class BeforeFilter(admin.SimpleListFilter):
    """The log's keyset page: events before a log key (the link at the foot of the list)."""

    title = "page"
    parameter_name = "before"

    def lookups(self, request, model_admin):
        key = self._key()
        return [(key.token, f"before #{key.position}")] if key else []

    def queryset(self, request, queryset):
        key = self._key()
        return queryset.before(key) if key else queryset

    def _key(self) -> LogKey | None:
        try:
            return LogKey.parse(self.value() or "")
        except ValueError:
            return None


class OccurredFilter(DateTimeRangeFilterBuilder(title="occurred between")):
    """The date range. A date without a time means the whole day; a date or time that
    cannot be read is said in an error message (and nothing is filtered) rather than
    silently listing every event as if the range had been applied."""

    bounds = (("__range__gte", "From", "00:00:00"), ("__range__lte", "To", "23:59:59"))

    def get_form(self, request):
        for suffix, _, time in self.bounds:
            key = f"{self.field_path}{suffix}"
            if self._given(f"{key}_0") and not self._given(f"{key}_1"):
                self.used_parameters[f"{key}_1"] = time
        return super().get_form(request)

    def queryset(self, request, queryset):
        if self.form.is_bound and not self.form.is_valid():
            wrong = [
                f"{label} {self._typed(key)!r}"
                for key, label in self._labels()
                if key in self.form.errors
            ]
            messages.error(
                request,
                f"The filter \u201c{self.title}\u201d was not applied: {' and '.join(wrong)} "
                "is not a date and time. Use YYYY-MM-DD for the date and HH:MM:SS (or HH:MM) "
                "for the time, e.g. 2026-11-29 08:40:00.",
            )
            return queryset
        return super().queryset(request, queryset)

    def _labels(self) -> list[tuple[str, str]]:
        return [(f"{self.field_path}{suffix}", label) for suffix, label, _ in self.bounds]

    def _typed(self, key: str) -> str:
        return " ".join(v for v in (self._given(f"{key}_0"), self._given(f"{key}_1")) if v)

    def _given(self, name: str) -> str:
        value = self.used_parameters.get(name, "")
        return (value[-1] if isinstance(value, list) else value).strip()


class KeysetPaginator(Paginator):
    """Never counts the table nor skips rows with OFFSET: it only looks one row past the
    page, to know whether there are older events. So its ``count`` is true only up to a
    page; beyond that the list names no total (see ``get_changelist_instance`` and the
    templates)."""

    @cached_property
    def count(self) -> int:
        return len(self.object_list[: self.per_page + 1])


def _when(moment: datetime) -> str:
    """A time with its zone, so that nobody reads UTC as their own time."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def _breakable(name: str) -> str:
    """``translations.TranslationAccepted`` may wrap after the dot and between its words
    (and nowhere else), so that long names do not widen the log past the screen."""
    return format_html_join(mark_safe("<wbr>"), "{}", ((p,) for p in _WORDS.split(name)))


_WORDS = re.compile(r"(?<=[a-z.])(?=[A-Z])")


def _pretty(value: object) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


def admin_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, title: str, **context
) -> HttpResponse:
    """A page of the admin beside a model's list, for those who may view that model."""
    if not model_admin.has_view_permission(request):
        raise Http404
    context = {**model_admin.admin_site.each_context(request), "title": title,
               "opts": model_admin.model._meta, **context}  # fmt: skip
    return TemplateResponse(request, template, context)


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    """The event log, read-only: the audit trail cannot be edited from anywhere."""

    list_display = ("position", "occurred", "event", "stream", "actor", "operation")
    list_filter = (
        "stream_type", "event_type", ActorFilter, ExcludeActorFilter,
        ("occurred_at", OccurredFilter), BeforeFilter,
    )  # fmt: skip
    search_fields = ("=stream_id",)  # and more, in EventQuerySet.search
    search_help_text = (
        "An id or its first characters (event, stream or operation), or a file name or "
        "title in the events' data."
    )
    ordering = ("-log_tx", "-position")
    sortable_by = ()  # the pages are keyed on the log order
    paginator = KeysetPaginator
    list_per_page = 100
    show_full_result_count = False
    actions = ["export_csv"]
    fields = (
        "position", "event_id", "stream_type", "stream_id", "version", "event_type",
        "schema_version", "occurred_at", "payload", "meta", "prev_hash", "hash",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        # Settled events only: newer pages cannot gain an event behind the one shown last.
        return super().get_queryset(request).settled()

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False

    def get_changelist_instance(self, request):
        """The page's actors are named in one query, whatever the number of rows."""
        cl = super().get_changelist_instance(request)
        labels = _actor_labels(request)
        for event in cl.result_list:  # the page the list shows, already read
            actor = event.metadata.get("actor", "")
            event.actor_label = labels.get(actor, actor)
        if cl.result_count > cl.list_per_page:
            # Beyond a page the log is not counted (KeysetPaginator): the search form shows
            # its "N results" only where N differs from this, so it shows no wrong number.
            cl.full_result_count = cl.result_count
        return cl

    @admin.display(description="occurred")
    def occurred(self, event: Event) -> str:
        return _when(event.occurred_at)

    @admin.display(description="event")
    def event(self, event: Event) -> str:
        return format_html('<span title="{}">{}</span>', event.event_type,
                           _breakable(event.event_type))  # fmt: skip

    @admin.display(description="stream")
    def stream(self, event: Event) -> str:
        return format_html(
            '<span title="{} {} v{}">{} <code>{}</code></span>',
            event.stream_type, event.stream_id, event.version,
            _breakable(event.stream_type.rpartition(".")[2]), str(event.stream_id)[:8],
        )  # fmt: skip

    @admin.display(description="actor")
    def actor(self, event: Event) -> str:
        actor = event.metadata.get("actor", "")
        label = getattr(event, "actor_label", actor)
        return format_html('<span class="actor" title="{}">{}</span>', label, label)

    @admin.display(description="operation")
    def operation(self, event: Event) -> str:
        correlation = event.metadata.get("correlation_id", "")
        url = reverse("admin:eventstore_event_correlation", args=[correlation])
        return format_html('<a href="{}" title="{}">{}</a>', url, correlation, correlation[:8])

    @admin.display(description="data")
    def payload(self, event: Event) -> str:
        return _pretty(event.data)

    @admin.display(description="metadata")
    def meta(self, event: Event) -> str:
        return _pretty(event.metadata)

    @admin.action(description="Export the selected events as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Event]) -> HttpResponse:
        header = [
            "position", "occurred_at", "event_type", "stream_type", "stream_id", "version",
            "actor", "correlation_id", "causation_id", "event_id", "data",
        ]  # fmt: skip

        class Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(header)
            for e in queryset.in_log_order().iterator(chunk_size=1000):
                meta = e.metadata
                yield writer.writerow([
                    e.position, e.occurred_at.isoformat(), e.event_type, e.stream_type,
                    e.stream_id, e.version, meta.get("actor", ""), meta.get("correlation_id", ""),
                    meta.get("causation_id", ""), e.event_id, json.dumps(e.data, sort_keys=True),
                ])  # fmt: skip

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="events.csv"'
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("correlation/<str:correlation_id>/", view(self.correlation_view),
                 name="eventstore_event_correlation"),
            path("verify/", view(self.verify_view), name="eventstore_event_verify"),
            *super().get_urls(),
        ]  # fmt: skip

    def correlation_view(self, request: HttpRequest, correlation_id: str) -> HttpResponse:
        events = list(event_log(correlation_id=correlation_id))
        if not events:
            raise Http404("no events with this correlation id")
        return admin_page(self, request, "admin/eventstore/correlation.html",
                          f"Operation {correlation_id}", tree=causal_tree(events),
                          events=events)  # fmt: skip

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        report = verify_audit() if request.method == "POST" else None
        if report is not None:
            level = messages.SUCCESS if report.ok else messages.ERROR
            text = (f"The audit trail holds: {report.chain.checked} events checked, "
                    f"{report.tree.leaves} sealed under {report.tree.checkpoints} signed "
                    "checkpoints." if report.ok else "The audit trail is broken.")  # fmt: skip
            self.message_user(request, text, level)
        return admin_page(self, request, "admin/eventstore/verify.html",
                          "Audit trail verification", report=report)  # fmt: skip

    def changelist_view(self, request: HttpRequest, extra_context=None):
        links = {"verify_url": reverse("admin:eventstore_event_verify")}
        with contextlib.suppress(NoReverseMatch):  # the messaging app's page, if installed
            links["pipeline_url"] = reverse("admin:messaging_pipeline")
        response = super().changelist_view(request, {**(extra_context or {}), **links})
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None and cl.result_count > cl.list_per_page:
            last = list(cl.result_list)[-1]
            response.context_data["older_url"] = cl.get_query_string(
                {BeforeFilter.parameter_name: last.log_key.token}, remove=["p"]
            )
        return response

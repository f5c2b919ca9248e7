"""The audit views for staff: the event log (read-only, filterable, exportable), one
operation as a causal tree and the hash-chain verification."""

from __future__ import annotations

import contextlib
import csv
import json
import uuid

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from rangefilter.filters import DateTimeRangeFilterBuilder

from eventstore.audit import causal_tree
from eventstore.log import LogKey
from eventstore.models import Event
from eventstore.selectors import event_log
from eventstore.verification import verify_audit


def _actors(request: HttpRequest) -> list[tuple[str, str]]:
    """The actors to filter by, read once per page for both actor filters."""
    if not hasattr(request, "_event_actors"):
        request._event_actors = [(a, a) for a in Event.objects.actors()]
    return request._event_actors


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


class KeysetPaginator(Paginator):
    """Never counts the table nor skips rows with OFFSET: it only looks one row past the
    page, to know whether there are older events."""

    @cached_property
    def count(self) -> int:
        return len(self.object_list[: self.per_page + 1])


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

    list_display = (
        "position", "occurred_at", "event_type", "stream_type", "stream_id", "actor",
        "operation",
    )  # fmt: skip
    list_filter = (
        "stream_type", "event_type", ActorFilter, ExcludeActorFilter,
        ("occurred_at", DateTimeRangeFilterBuilder(title="occurred between")), BeforeFilter,
    )  # fmt: skip
    search_fields = ("=stream_id",)  # and the event and correlation ids, below
    search_help_text = "A stream id, an event id or a correlation id."
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
        """An id finds its stream, its event or its operation, each through an index."""
        if not search_term.strip():
            return queryset, False
        try:
            wanted = uuid.UUID(search_term.strip())
        except ValueError:
            return queryset.none(), False  # every id here is a UUID
        found = (
            queryset.filter(stream_id=wanted)
            | queryset.filter(event_id=wanted)
            | queryset.by_correlation(str(wanted))
        )
        return found, False

    @admin.display(description="actor")
    def actor(self, event: Event) -> str:
        return event.metadata.get("actor", "")

    @admin.display(description="operation")
    def operation(self, event: Event) -> str:
        correlation = event.metadata.get("correlation_id", "")
        url = reverse("admin:eventstore_event_correlation", args=[correlation])
        return format_html('<a href="{}">{}</a>', url, correlation[:8])

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

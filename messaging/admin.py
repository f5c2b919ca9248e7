"""The pipeline for staff: relay and consumer lag, events parked behind a predecessor, and
dead letters with retry and skip actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from eventstore.admin import ReadOnly, admin_page
from eventstore.sealing import seal_lag
from messaging.dispatch import retry_dead_letter, skip_dead_letter
from messaging.models import DeadLetter, ParkedEvent
from messaging.selectors import consumer_lags, open_dead_letters, parked_events, relay_lag


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "created_at", "consumer", "event_type", "version", "error", "attempts", "resolved_at",
        "resolution",
    )  # fmt: skip
    list_filter = ("consumer", ("resolved_at", admin.EmptyFieldListFilter), "event_type")
    search_fields = ("=event_id",)
    actions = ["retry", "skip"]
    readonly_fields = (
        "consumer", "topic", "partition", "offset", "event_id", "event_type", "stream_id",
        "version", "key", "headers", "payload", "error", "attempts", "created_at",
        "resolved_at", "resolution",
    )  # fmt: skip

    @admin.action(description="Retry the selected dead letters (oldest version first)")
    def retry(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        for letter in queryset.filter(resolved_at__isnull=True).order_by("version", "pk"):
            try:
                retry_dead_letter(letter)
            except Exception as exc:  # shown to the operator; the letter stays open
                self.message_user(request, f"#{letter.pk} failed again: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request, f"#{letter.pk}: {letter.resolution}; resolved.", messages.SUCCESS
                )

    @admin.action(
        description="Skip the selected dead letters: never apply them, let the stream go on"
    )
    def skip(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        by = f"user:{request.user.pk}"
        for letter in queryset.filter(resolved_at__isnull=True).order_by("version", "pk"):
            try:
                skip_dead_letter(letter, by=by)
            except ValueError as exc:
                self.message_user(request, f"#{letter.pk} not skipped: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"#{letter.pk}: {letter.resolution}.", messages.WARNING)

    def get_urls(self):
        view = self.admin_site.admin_view(self.pipeline_view)
        return [path("pipeline/", view, name="messaging_pipeline"), *super().get_urls()]

    def pipeline_view(self, request: HttpRequest) -> HttpResponse:
        return admin_page(self, request, "admin/messaging/pipeline.html", "Event pipeline",
                          relay=relay_lag(), consumers=consumer_lags(),
                          dead_letters=open_dead_letters(), parked=parked_events(),
                          seal=seal_lag())  # fmt: skip


@admin.register(ParkedEvent)
class ParkedEventAdmin(ReadOnly, admin.ModelAdmin):
    """Events waiting for their stream's previous version (see the dead letters)."""

    list_display = ("parked_at", "consumer", "event_type", "stream_id", "version", "topic")
    list_filter = ("consumer", "event_type")
    search_fields = ("=stream_id", "=event_id")
    readonly_fields = (
        "consumer", "stream_id", "version", "event_id", "event_type", "topic", "envelope",
        "parked_at",
    )  # fmt: skip

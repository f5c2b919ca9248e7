"""The pipeline for staff: relay and consumer lag, and dead letters with a retry action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from eventstore.admin import ReadOnly, admin_page
from messaging.dispatch import retry_dead_letter
from messaging.models import DeadLetter
from messaging.selectors import consumer_lags, open_dead_letters, relay_lag


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "consumer", "event_type", "error", "attempts", "resolved_at")
    list_filter = ("consumer", ("resolved_at", admin.EmptyFieldListFilter), "event_type")
    search_fields = ("=event_id",)
    actions = ["retry"]
    readonly_fields = (
        "consumer", "topic", "partition", "offset", "event_id", "event_type", "key",
        "headers", "payload", "error", "attempts", "created_at", "resolved_at",
    )  # fmt: skip

    @admin.action(description="Retry the selected dead letters")
    def retry(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        for letter in queryset.filter(resolved_at__isnull=True):
            try:
                applied = retry_dead_letter(letter)
            except Exception as exc:  # shown to the operator; the letter stays open
                self.message_user(request, f"#{letter.pk} failed again: {exc}", messages.ERROR)
            else:
                done = "applied" if applied else "had been applied already"
                self.message_user(request, f"#{letter.pk} {done}; resolved.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(self.pipeline_view)
        return [path("pipeline/", view, name="messaging_pipeline"), *super().get_urls()]

    def pipeline_view(self, request: HttpRequest) -> HttpResponse:
        return admin_page(self, request, "admin/messaging/pipeline.html", "Event pipeline",
                          relay=relay_lag(), consumers=consumer_lags(),
                          dead_letters=open_dead_letters())  # fmt: skip

from django.contrib import admin

from eventstore.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The event log, read-only: the audit trail cannot be edited from anywhere."""

    list_display = ("position", "occurred_at", "event_type", "stream_type", "stream_id", "version")
    list_filter = ("stream_type", "event_type")
    search_fields = ("=stream_id", "=event_id")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

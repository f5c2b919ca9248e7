from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from eventstore.context import current_operation, identify, user_actor
from eventstore.log import LogKey


class NewestFirst(CursorPagination):
    """Keyset pages (no OFFSET), newest first."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class InLogOrder(BasePagination):
    """Events in log order, in keyset pages: ``next`` carries ``cursor``, the log key of the
    page's last event, and the next page starts after it. The querysets given are settled
    (below the watermark), so no event can later appear behind a page already read."""

    page_size, max_page_size = 100, 1000

    def paginate_queryset(self, queryset, request, view=None) -> list:
        self.request = request
        params = CursorInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        size = params.validated_data.get("page_size") or self.page_size
        after = params.validated_data.get("cursor")
        if after is not None:
            queryset = queryset.after(after)
        rows = list(queryset[: size + 1])
        self.next_after = rows[size - 1].log_key if len(rows) > size else None
        return rows[:size]

    def get_paginated_response(self, data) -> Response:
        next_url = None
        if self.next_after is not None:
            url = self.request.build_absolute_uri()
            next_url = replace_query_param(url, "cursor", self.next_after.token)
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {"name": "cursor", "in": "query", "required": False, "description":
             "the log key of the last event read (from the previous page's next link)",
             "schema": {"type": "string", "pattern": r"^\d+\.\d+$"}},
            {"name": "page_size", "in": "query", "required": False, "description":
             "events per page", "schema": {"type": "integer", "minimum": 1,
                                           "maximum": self.max_page_size}},
        ]  # fmt: skip


class CursorInput(serializers.Serializer):
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=InLogOrder.max_page_size
    )

    def validate_cursor(self, value: str) -> LogKey:
        try:
            return LogKey.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class OperationView(GenericAPIView):
    """An API view whose events name the authenticated user as their actor, however they
    authenticated (session or token)."""

    permission_classes = [IsAuthenticated]
    pagination_class = NewestFirst

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        ctx = current_operation()
        if request.user.is_authenticated and ctx is not None and ctx.actor is None:
            identify(user_actor(request.user.pk))

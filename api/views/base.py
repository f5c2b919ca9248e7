from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination, Cursor, CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from eventstore.context import current_operation, identify, user_actor
from eventstore.log import LogKey


class NewestFirst(CursorPagination):
    """Keyset pages (no OFFSET), newest first. A cursor or page size that is not one this
    API gave is a 400 naming the parameter (DRF would answer 404, or a 500 for a cursor
    whose position is not a time, or silently use its default size)."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
        else:
            if cursor is None or _is_time(cursor.position):
                return cursor
        raise ValidationError({"cursor": ["not a cursor from a next or previous link"]})

    def get_page_size(self, request) -> int:
        given = validated_query(PageSizeInput, request, max=self.max_page_size)
        return given.get("page_size") or self.page_size

    def get_schema_operation_parameters(self, view) -> list[dict]:
        cursor, size = super().get_schema_operation_parameters(view)
        size["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
        return [cursor, size]


def _is_time(position: str | None) -> bool:
    try:
        return position is None or parse_datetime(position) is not None
    except ValueError:
        return False


class InLogOrder(BasePagination):
    """Events in log order, in keyset pages: ``next`` resumes after the page's last event
    (``?cursor=<log key>``), ``previous`` ends before its first (``?before=<log key>``). The
    querysets given are settled (below the watermark), so no event can later appear behind a
    page already read."""

    page_size, max_page_size = 100, 1000

    def paginate_queryset(self, queryset, request, view=None) -> list:
        self.request = request
        params = validated_query(CursorInput, request, max=self.max_page_size)
        size = params.get("page_size") or self.page_size
        after, before = params.get("cursor"), params.get("before")
        if before is not None:  # the page that ends before ``before``, read backwards
            rows = list(queryset.before(before).order_by("-log_tx", "-position")[: size + 1])
            page, more_before, more_after = rows[:size][::-1], len(rows) > size, True
        else:
            if after is not None:
                queryset = queryset.after(after)
            rows = list(queryset[: size + 1])
            page, more_before, more_after = rows[:size], after is not None, len(rows) > size
        self.links = {
            "next": ("cursor", page[-1].log_key) if page and more_after else None,
            "previous": ("before", page[0].log_key) if page and more_before else None,
        }
        return page

    def get_paginated_response(self, data) -> Response:
        links = {name: self._url(link) for name, link in self.links.items()}
        return Response({**links, "results": data})

    def _url(self, link: tuple[str, LogKey] | None) -> str | None:
        if link is None:
            return None
        param, key = link
        other = "before" if param == "cursor" else "cursor"
        url = self.request.build_absolute_uri()
        return remove_query_param(replace_query_param(url, param, key.token), other)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        key = {"type": "string", "pattern": r"^\d+\.\d+$"}
        return [
            {"name": "cursor", "in": "query", "required": False, "schema": key,
             "description": "the log key after which the page starts (from a next link)"},
            {"name": "before", "in": "query", "required": False, "schema": key,
             "description": "the log key before which the page ends (from a previous link)"},
            {"name": "page_size", "in": "query", "required": False, "description":
             "events per page", "schema": {"type": "integer", "minimum": 1,
                                           "maximum": self.max_page_size}},
        ]  # fmt: skip


def validated_query(serializer: type[serializers.Serializer], request, **context) -> dict:
    """The query's parameters as ``serializer`` reads them, or a 400 naming the ones to fix.
    An empty value is a value here (``?until=`` is not a time), not a missing one as DRF
    takes it from an HTML form."""
    given = serializer(data=request.query_params.dict(), context=context)
    given.is_valid(raise_exception=True)
    return given.validated_data


class PageSizeInput(serializers.Serializer):
    page_size = serializers.IntegerField(required=False, min_value=1)

    def validate_page_size(self, value: int) -> int:
        limit = self.context["max"]
        if value > limit:
            raise serializers.ValidationError(f"at most {limit}")
        return value


class CursorInput(PageSizeInput):
    cursor = serializers.CharField(required=False)
    before = serializers.CharField(required=False)

    def validate_cursor(self, value: str) -> LogKey:
        try:
            return LogKey.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    validate_before = validate_cursor


class OperationView(GenericAPIView):
    """An API view whose events name the authenticated user as their actor, however they
    authenticated (session or token)."""

    permission_classes = [IsAuthenticated]
    pagination_class = NewestFirst

    def check_permissions(self, request) -> None:
        # Throttle first, so that callers refused for want of credentials are counted too
        # (DRF checks throttles after permissions); ``check_throttles`` then has nothing to do.
        super().check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request) -> None:
        pass  # done in check_permissions

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        ctx = current_operation()
        if request.user.is_authenticated and ctx is not None and ctx.actor is None:
            identify(user_actor(request.user.pk))

"""``/api/events/``: the audit log for staff, keyset-paginated and filterable."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from api import access
from api.serializers import EventFilterInput, EventOutput
from api.views.base import InLogOrder, OperationView, validated_query
from eventstore.selectors import event_log


class EventList(OperationView):
    serializer_class = EventOutput
    pagination_class = InLogOrder

    @extend_schema(parameters=[EventFilterInput], responses=EventOutput(many=True))
    def get(self, request: Request) -> Response:
        if not access.is_staff_member(request.user):
            raise PermissionDenied("the event log is for staff")
        page = self.paginate_queryset(event_log(**validated_query(EventFilterInput, request)))
        return self.get_paginated_response(EventOutput(page, many=True).data)

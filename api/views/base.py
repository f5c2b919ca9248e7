from __future__ import annotations

from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated

from eventstore.context import current_operation, identify, user_actor


class NewestFirst(CursorPagination):
    """Keyset pages (no OFFSET), newest first."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class InPositionOrder(NewestFirst):
    """Events in the order they were appended, keyset-paginated on their position."""

    ordering = "position"
    page_size = 100
    max_page_size = 1000


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

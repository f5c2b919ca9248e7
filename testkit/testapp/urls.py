"""A test-only endpoint that appends a thing, standing for a user operation over HTTP."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from eventstore.store import NewEvent, append, stream_version


@require_POST
def record_thing(request: HttpRequest, stream_id: uuid.UUID) -> JsonResponse:
    (event,) = append(
        stream_type="testing.Thing",
        stream_id=stream_id,
        expected_version=stream_version(stream_id),
        events=[NewEvent("testing.ThingHappened", {"n": int(request.POST.get("n", 1))})],
    )
    return JsonResponse({"event_id": str(event.event_id)}, status=201)


urlpatterns = [path("things/<uuid:stream_id>", record_thing)]

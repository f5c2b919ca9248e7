"""Cross-cutting request guards that belong to no bounded context."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from blobstore.filetypes import sizes_in_words

# Room for the form's other fields and the multipart framing around the file.
MULTIPART_ALLOWANCE = 1024 * 1024


class UploadSizeLimitMiddleware:
    """Refuses an upload larger than ``DOCUMENTS_MAX_UPLOAD_BYTES`` from its
    ``Content-Length``, before a byte of the body is read (the file's own size is checked
    again when it has arrived, for clients that send no length)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.DOCUMENTS_MAX_UPLOAD_BYTES
            if length > limit + MULTIPART_ALLOWANCE:
                size, most = sizes_in_words(length, limit)
                message = f"the upload is {size}; files may be {most} at most"
                if request.path.startswith("/api/"):
                    return JsonResponse({"file": [message]}, status=400)
                return render(request, "upload_too_big.html", {"message": message}, status=400)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Sets ``Permissions-Policy`` (Django has no setting for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


TIME_ZONE_COOKIE = "tz"


class TimeZoneMiddleware:
    """Shows times, and reads the times people type, in the time zone their browser said
    (the ``tz`` cookie set by ``web/time_zone.js``); in ``TIME_ZONE`` until it has."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = zone_named(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None for anything else a cookie can hold."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None

"""What a locked-out sign-in sees (django-axes calls it)."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """429 with ``Retry-After`` and a page that says when to try again."""
    cool_off = get_cool_off(request)
    seconds = math.ceil(cool_off.total_seconds()) if cool_off else 3600
    context = {
        "retry_at": timezone.now() + cool_off if cool_off else None,
        "minutes": math.ceil(seconds / 60),
    }
    if request.path.startswith("/api/"):  # the API answers in JSON, as its errors do
        minutes = context["minutes"]
        page: HttpResponse = JsonResponse(
            {"detail": f"too many failed sign-ins: try again in {minutes} minutes"}, status=429
        )
    else:
        page = render(request, "registration/locked_out.html", context, status=429)
    page["Retry-After"] = str(seconds)
    return page

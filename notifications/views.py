"""The notices list, the choices per kind, and the emails' unsubscribe links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import selectors, services


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    listed = list(selectors.notices_of(request.user.pk)[:100])
    return render(request, "notifications/list.html", {"notices": listed})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user.pk)
    return redirect("notifications:list")


@login_required
def choices(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.choose(
            user_id=request.user.pk,
            in_app=set(request.POST.getlist("in_app")),
            email=set(request.POST.getlist("email")),
        )
        messages.success(request, "Saved your notification settings.")
        return redirect("notifications:settings")
    context = {"choices": services.choices_of(request.user.pk), "email": request.user.email}
    return render(request, "notifications/settings.html", context)


@csrf_exempt  # the signed token is the credential: mail clients post it without a form
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """From an email's link, signed in or not: a button (one click, RFC 8058's POST too)."""
    if request.method == "POST":
        try:
            kind = services.unsubscribe(token)
        except signing.BadSignature:
            return render(request, "notifications/unsubscribe.html", {"bad": True}, status=400)
        return render(request, "notifications/unsubscribe.html", {"done": kind})
    return render(request, "notifications/unsubscribe.html", {"token": token})

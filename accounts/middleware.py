"""The request's client (address, user agent), for security events recorded deeper down."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts.security import Client, reset_client, set_client


class ClientMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from axes.helpers import get_client_ip_address

        ip = get_client_ip_address(request)
        token = set_client(Client(ip, request.META.get("HTTP_USER_AGENT", "")[:300]))
        try:
            return self.get_response(request)
        finally:
            reset_client(token)

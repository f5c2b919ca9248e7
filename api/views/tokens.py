"""``/api/auth/token/``: a user's API token for their user name and password. Signing in
here is counted like the site's sign-in: wrong passwords lock the user name and the address
out (django-axes answers 429 with Retry-After), and every attempt is a security event."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers import TokenInput, TokenOutput
from api.views.base import OperationView


class TokenCreate(OperationView):
    authentication_classes: list = []  # the credentials are the body
    permission_classes = [AllowAny]
    serializer_class = TokenOutput

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, auth=[])
    def post(self, request: Request) -> Response:
        given = TokenInput(data=request.data)
        given.is_valid(raise_exception=True)
        # Django's request, which django-axes marks when the sign-in is locked out.
        user = authenticate(request._request, **given.validated_data)
        if user is None:
            return Response(
                {"detail": "wrong user name or password"}, status=status.HTTP_400_BAD_REQUEST
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenOutput({"token": token.key}).data)

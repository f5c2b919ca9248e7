"""``/api/translator/languages/``: the language pairs a translator works in; the queue
offers only the open requests in them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from api import access
from api.serializers import LanguagesInput, LanguagesOutput
from api.views.base import OperationView
from translations import selectors, services


class TranslatorLanguages(OperationView):
    serializer_class = LanguagesOutput
    parser_classes = [JSONParser]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if not access.is_translator(request.user):
            raise PermissionDenied("only translators have languages to work in")

    def get_object(self):
        return self.request.user  # the translator whose languages these are (for OPTIONS)

    def get(self, request: Request) -> Response:
        pairs = selectors.language_pairs_of(request.user.pk)
        return Response(LanguagesOutput({"pairs": pairs}).data)

    @extend_schema(request=LanguagesInput, responses={200: LanguagesOutput})
    def put(self, request: Request) -> Response:
        """Every source language into every target language (a language into itself is no
        pair); an empty list clears them, and the queue offers every open request again."""
        given = LanguagesInput(data=request.data)
        given.is_valid(raise_exception=True)
        pairs = services.translator_language_pairs_set(
            translator_id=request.user.pk, **given.validated_data
        )
        return Response(LanguagesOutput({"pairs": pairs}).data)

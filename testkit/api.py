"""An API client for one user in tests, shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient


class Api:
    """An API client for one user; ``settle`` wraps each request, so that the embedded bus's
    after-commit work (the saga) has run when the request returns."""

    def __init__(self, user, settle: Callable[[], AbstractContextManager]) -> None:
        self.client = APIClient()
        self.client.force_authenticate(user)
        self.user = user
        self.settle = settle

    def get(self, url: str, data=None, **kwargs):
        return self.client.get(url, data, **kwargs)

    def post(self, url: str, data=None, **kwargs):
        with self.settle():
            return self.client.post(url, data, **kwargs)

    # --- the workflow's steps ------------------------------------------------------------
    def upload(
        self, name: str = "letter.txt", content: bytes = b"Dear reader", headers=None, **data
    ):
        file = SimpleUploadedFile(name, content, content_type="text/plain")
        return self.post(
            "/api/documents/", {"file": file, **data}, format="multipart", headers=headers
        )

    def new_revision(self, document_id, name: str = "letter.txt", content: bytes = b"v2"):
        file = SimpleUploadedFile(name, content)
        return self.post(
            f"/api/documents/{document_id}/revisions/", {"file": file}, format="multipart"
        )

    def submit(self, document_id, headers=None, **data):
        body = {"document": str(document_id), "target_language": "fr", **data}
        return self.post("/api/translation-requests/", body, format="json", headers=headers)

    def act(self, request_id, action: str, **kwargs):
        return self.post(f"/api/translation-requests/{request_id}/{action}/", **kwargs)

    def deliver(self, request_id, content: bytes = b"Cher lecteur"):
        file = SimpleUploadedFile("lettre.txt", content)
        return self.act(request_id, "deliver", data={"file": file}, format="multipart")

    def request(self, request_id) -> dict:
        return self.get(f"/api/translation-requests/{request_id}/").json()

    def document(self, document_id) -> dict:
        return self.get(f"/api/documents/{document_id}/").json()

"""Simulated customers and translators through the whole workflow, over the REST API.

Each simulated user is a pair (one customer, one translator, with their tokens from
``LOAD_ACCOUNTS``): the customer uploads a document and submits it, waits for the request to
be open (the documents context locked the document: one Kafka round trip), the translator
accepts and delivers, the customer approves and waits for the document to be unlocked
(another round trip). A workflow that does not finish in ``LOAD_WORKFLOW_TIMEOUT`` seconds
is a failure. Run by ``benchmarks/load_test.py``.
"""

from __future__ import annotations

import json
import os
import time
import uuid

from locust import HttpUser, between, events, task
from locust.exception import StopUser

ACCOUNTS = json.loads(os.environ.get("LOAD_ACCOUNTS", "[]"))
TIMEOUT = float(os.environ.get("LOAD_WORKFLOW_TIMEOUT", "60"))
completed: list[float] = []


@events.test_stop.add_listener
def report(environment, **_kwargs) -> None:
    with open(os.environ.get("LOAD_RESULT", "load-result.json"), "w") as out:
        json.dump({"completed": completed}, out)


class Pair(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        if not ACCOUNTS:
            raise StopUser()
        self.customer, self.translator = ACCOUNTS.pop(0)

    def as_(self, token: str) -> dict:
        return {"Authorization": f"Token {token}"}

    def until(self, url: str, name: str, done) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with self.client.get(url, headers=self.as_(self.customer), name=name,
                                 catch_response=True) as answer:  # fmt: skip
                if answer.status_code == 200 and done(answer.json()):
                    return
            time.sleep(0.2)
        raise AssertionError(f"{name}: not done after {TIMEOUT:.0f} s")

    @task
    def workflow(self) -> None:
        started = time.monotonic()
        text = f"A letter to be translated, number {uuid.uuid4()}.".encode()
        document = self.client.post(
            "/api/documents/", headers=self.as_(self.customer), name="upload",
            files={"file": ("letter.txt", text, "text/plain")},
        ).json()["id"]  # fmt: skip
        request = self.client.post(
            "/api/translation-requests/", headers=self.as_(self.customer), name="submit",
            json={"document": document, "target_language": "fr"},
        ).json()["id"]  # fmt: skip
        self.until(f"/api/translation-requests/{request}/", "request (until open)",
                   lambda r: r["status"] == "open")  # fmt: skip
        self.client.get("/api/translation-requests/?status=open", headers=self.as_(self.translator),
                        name="queue")  # fmt: skip
        self.client.post(f"/api/translation-requests/{request}/accept/",
                         headers=self.as_(self.translator), name="accept")  # fmt: skip
        self.client.post(
            f"/api/translation-requests/{request}/deliver/", headers=self.as_(self.translator),
            name="deliver", files={"file": ("lettre.txt", b"Une lettre traduite.", "text/plain")},
        )  # fmt: skip
        self.client.post(f"/api/translation-requests/{request}/approve/",
                         headers=self.as_(self.customer), name="approve")  # fmt: skip
        self.until(f"/api/documents/{document}/", "document (until unlocked)",
                   lambda d: not d["locked"])  # fmt: skip
        completed.append(time.monotonic() - started)

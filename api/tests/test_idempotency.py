"""``Idempotency-Key``: a retry returns the first response and appends nothing."""

from __future__ import annotations

import threading

import pytest

from eventstore.models import Event
from testkit.concurrency import Worker

pytestmark = pytest.mark.django_db


def test_a_retried_upload_and_submit_return_the_first_response(embedded, users):
    customer = embedded(users.customer)

    first = customer.upload(headers={"Idempotency-Key": "upload-1"})
    events_after_first = Event.objects.count()
    retry = customer.upload(headers={"Idempotency-Key": "upload-1"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == events_after_first

    document_id = first.json()["id"]
    submitted = customer.submit(document_id, headers={"Idempotency-Key": "submit-1"})
    events_after_submit = Event.objects.count()
    resubmitted = customer.submit(document_id, headers={"Idempotency-Key": "submit-1"})

    assert resubmitted.json() == submitted.json()
    assert Event.objects.count() == events_after_submit


def test_a_failed_action_is_not_remembered_and_a_key_is_per_endpoint(embedded, users):
    customer = embedded(users.customer)
    document_id = customer.upload().json()["id"]

    failed = customer.submit(document_id, target_language="xx", headers={"Idempotency-Key": "k"})
    fixed = customer.submit(document_id, headers={"Idempotency-Key": "k"})
    elsewhere = customer.upload(headers={"Idempotency-Key": "k"})

    assert (failed.status_code, fixed.status_code) == (400, 201)
    assert elsewhere.status_code == 422
    assert "already used for /api/translation-requests/" in elsewhere.json()["detail"]


def test_keys_belong_to_their_user(embedded, users):
    carla, otto = embedded(users.customer), embedded(users.other_customer)

    mine = carla.upload(headers={"Idempotency-Key": "same"})
    theirs = otto.upload(headers={"Idempotency-Key": "same"})

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


@pytest.mark.postgres
@pytest.mark.usefixtures("committed_db")
def test_concurrent_retries_with_one_key_act_once(users, no_saga, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = no_saga(users.customer)
    start = threading.Barrier(4)

    def retry():
        start.wait()
        return customer.upload(headers={"Idempotency-Key": "flaky-network"})

    workers = [Worker(retry) for _ in range(4)]
    for worker in workers:
        worker.start()
    responses = [worker.outcome(timeout=60) for worker in workers]

    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert Event.objects.filter(event_type="documents.DocumentUploaded").count() == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == 3


@pytest.mark.parametrize("body", ["[null, null]", "7", '"text"'])
def test_a_keyed_json_body_that_is_not_an_object_is_a_400(embedded, users, body):
    customer = embedded(users.customer)

    response = customer.post(
        "/api/translation-requests/", body, content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("Invalid data. Expected a dict")

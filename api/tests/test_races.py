"""Cancel and accept raced on real connections: exactly one wins, the other gets a 409."""

from __future__ import annotations

import threading
from functools import partial

import pytest

from documents.models import DocumentView
from eventstore.store import read_stream
from testkit.concurrency import Worker
from translations.models import RequestView

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db")]

RACES = 8


@pytest.fixture
def open_requests(relay_on_commit, users, no_saga, tmp_path, settings) -> list[str]:
    """Open requests on as many documents (committed: the saga runs after each commit)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = no_saga(users.customer)
    ids = []
    for n in range(RACES):
        document = customer.upload(content=f"document {n}".encode()).json()
        ids.append(customer.submit(document["id"]).json()["id"])
    assert set(RequestView.objects.values_list("status", flat=True)) == {"open"}
    return ids


def test_cancel_and_accept_race_and_exactly_one_wins_each_time(open_requests, users, no_saga):
    customer, translator = no_saga(users.customer), no_saga(users.translator)
    start = threading.Barrier(2 * RACES)

    def racing(api, request_id, action):
        def go():
            start.wait()
            return api.act(request_id, action)

        return Worker(go)

    races = {
        request_id: (
            racing(customer, request_id, "cancel"),
            racing(translator, request_id, "accept"),
        )
        for request_id in open_requests
    }
    for pair in races.values():
        for worker in pair:
            worker.start()

    outcomes = {"cancel": 0, "accept": 0}
    for request_id, (cancel, accept) in races.items():
        cancelled, accepted = cancel.outcome(timeout=60), accept.outcome(timeout=60)
        winner = "cancel" if cancelled.status_code == 200 else "accept"
        loser = accepted if winner == "cancel" else cancelled
        outcomes[winner] += 1
        request = RequestView.objects.get(pk=request_id)
        if winner == "cancel" and loser.status_code == 404:
            # The cancel committed before the translator's request looked the request up:
            # a cancelled request is no longer the translator's to see.
            pass
        else:
            # Both commands decided on the open request; the second to append lost the race.
            assert loser.status_code == 409, (cancelled.content, accepted.content)
            assert request.status in loser.json()["detail"]  # the 409 names the state it is in
        assert (winner, loser.status_code) != ("accept", 404)

        # No invariant broken: one decision in the stream, the read model agrees with it,
        # and the document is locked exactly when the request was accepted.
        types = [e.event_type for e in read_stream(request_id)]
        decided = [t for t in types if t.endswith(("Accepted", "Cancelled"))]
        document = DocumentView.objects.get(pk=request.document_id)
        if winner == "cancel":
            assert decided == ["translations.TranslationCancelled"]
            assert (request.status, document.is_locked) == ("cancelled", False)
        else:
            assert decided == ["translations.TranslationAccepted"]
            assert (request.status, document.locked_by_request) == ("accepted", request.pk)
    assert sum(outcomes.values()) == RACES


@pytest.fixture
def documents(relay_on_commit, users, no_saga, tmp_path, settings) -> list[str]:
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = no_saga(users.customer)
    return [customer.upload(content=f"document {n}".encode()).json()["id"] for n in range(RACES)]


def race(*actions) -> list:
    """Runs the actions at the same moment, each on its own connection; their results."""
    start = threading.Barrier(len(actions))

    def at_start(action):
        def go():
            start.wait()
            return action()

        return Worker(go)

    workers = [at_start(action) for action in actions]
    for worker in workers:
        worker.start()
    return [worker.outcome(timeout=60) for worker in workers]


def holds(document_id: str) -> list[str]:
    return [str(r) for r in DocumentView.objects.get(pk=document_id).locked_by_requests]


@pytest.mark.parametrize("languages", [("fr", "de"), ("fr", "fr")])
def test_two_submissions_race_and_the_lock_holds_exactly_the_open_ones(
    documents, users, no_saga, languages
):
    customer = no_saga(users.customer)
    for document_id in documents:
        first, second = race(
            *(partial(customer.submit, document_id, target_language=lang) for lang in languages)
        )

        ids = [first.json()["id"], second.json()["id"]]
        statuses = [RequestView.objects.get(pk=i).status for i in ids]
        if languages[0] != languages[1]:
            assert statuses == ["open", "open"]
        else:  # one of them first: the other is refused, naming it
            assert sorted(statuses) == ["open", "rejected"]
        opened = [i for i, status in zip(ids, statuses, strict=True) if status == "open"]
        assert sorted(holds(document_id)) == sorted(opened)


def test_the_last_approval_racing_a_new_language_leaves_it_holding_the_lock(
    documents, users, no_saga
):
    customer, translator = no_saga(users.customer), no_saga(users.translator)
    for document_id in documents:
        french = customer.submit(document_id, target_language="fr").json()["id"]
        translator.act(french, "accept")
        translator.deliver(french)

        approved, submitted = race(
            partial(customer.act, french, "approve"),
            partial(customer.submit, document_id, target_language="de"),
        )

        assert approved.status_code == 200, approved.content
        german = submitted.json()["id"]
        assert RequestView.objects.get(pk=german).status == "open"
        assert holds(document_id) == [german]

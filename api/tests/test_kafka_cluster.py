"""The distributed mode on a three-broker cluster: a broker is SIGKILLed in the middle of a
stream of workflows and started again later; nothing is lost, applied twice or reordered."""

from __future__ import annotations

import threading
import uuid
from contextlib import nullcontext

import pytest

from documents.models import DocumentView
from eventstore.models import Event
from eventstore.verification import verify_chain
from messaging.bus import reset_publisher
from notifications.models import Notification
from testkit.api import Api
from testkit.kafka import delete_topics
from testkit.processes import KafkaCluster, celery_worker, consumer_process, wait_for
from translations.models import RequestView

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.kafka,
    pytest.mark.redis,
    pytest.mark.usefixtures("committed_db"),
    pytest.mark.timeout(600),  # a three-node cluster's start, a broker's death and return
]
WORKFLOWS = 12


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = KafkaCluster(tmp_path_factory.mktemp("cluster"))
    cluster.up()
    yield cluster
    cluster.down()


@pytest.fixture
def on_cluster(cluster, settings, run_process, tmp_path):
    settings.EVENT_BUS = "kafka"
    settings.KAFKA_BOOTSTRAP_SERVERS = cluster.bootstrap
    settings.KAFKA_TOPIC_PREFIX = f"c{uuid.uuid4().hex[:12]}."
    settings.MESSAGING_RELAY_ON_COMMIT = True
    settings.MEDIA_ROOT = tmp_path / "media"
    reset_publisher()
    env = {"KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap}
    run_process(celery_worker(tmp_path, **env))
    for name in ("documents", "translations", "notifications"):
        run_process(consumer_process(name, tmp_path, **env))
    yield cluster
    reset_publisher()
    delete_topics(settings.KAFKA_TOPIC_PREFIX)


def until(condition, what: str, timeout: float = 120):
    return wait_for(condition, timeout=timeout, what=what)


def kafka_health(client) -> str:
    return client.get("/healthz").json()["checks"]["kafka"]


def test_workflows_complete_while_a_broker_is_killed_and_restarted(on_cluster, users, client):
    customer, translator = Api(users.customer, nullcontext), Api(users.translator, nullcontext)
    assert kafka_health(client) == "ok"
    requests: list[str] = []
    restarted = threading.Thread(target=on_cluster.up)
    for n in range(WORKFLOWS):
        if n == WORKFLOWS // 3:
            on_cluster.kill(2)
        document = customer.upload(f"doc-{n}.txt", f"Text number {n}".encode()).json()["id"]
        requests.append(customer.submit(document).json()["id"])
        if n == WORKFLOWS // 2:
            # Still serving, and saying what is missing.
            until(lambda: kafka_health(client).startswith("degraded"), "healthz to see it")
            assert "(down: 2)" in kafka_health(client)
    for n, request in enumerate(requests):
        if n == WORKFLOWS // 2:
            restarted.start()  # broker 2 comes back while the others carry on
        until(lambda r=request: customer.request(r)["status"] == "open", f"request {n} to open")
        assert translator.act(request, "accept").status_code == 200
        assert translator.deliver(request).status_code == 200
        assert customer.act(request, "approve").status_code == 200
    restarted.join()

    until(lambda: not DocumentView.objects.filter(locked_revision__isnull=False).exists(),
          "every document to unlock")  # fmt: skip
    assert set(RequestView.objects.values_list("status", flat=True)) == {"completed"}
    until(lambda: kafka_health(client) == "ok", "the cluster to be whole again", timeout=90)

    # Nothing lost, nothing applied twice, every stream in order: each stream holds exactly
    # its workflow's events, in order, and its hash chain is intact.
    for request in requests:
        assert list(Event.objects.filter(stream_id=request).values_list("event_type", flat=True)
                    .order_by("version")) == [
            "translations.TranslationRequested", "translations.TranslationOpened",
            "translations.TranslationAccepted", "translations.TranslationDelivered",
            "translations.DeliveryApproved",
        ]  # fmt: skip
    for document in DocumentView.objects.all():
        assert list(Event.objects.filter(stream_id=document.pk).values_list("event_type", flat=True)
                    .order_by("version")) == [
            "documents.DocumentUploaded", "documents.DocumentLocked", "documents.DocumentUnlocked",
        ]  # fmt: skip
    assert verify_chain().ok

    def told(kind: str) -> int:
        return Notification.objects.filter(user=users.customer, kind=kind).count()

    until(lambda: told("delivered") == WORKFLOWS, "the customer to be told of each delivery")
    assert (told("opened"), told("accepted")) == (WORKFLOWS, WORKFLOWS)  # once each

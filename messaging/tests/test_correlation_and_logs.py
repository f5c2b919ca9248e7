"""One user operation, followed through the request, the relay task in a Celery worker and
a consumer process: its events and its log lines share the correlation id."""

from __future__ import annotations

import logging
import uuid

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from eventstore.context import operation
from eventstore.store import read_stream
from messaging import tracing
from messaging.relay import relay_log
from messaging.selectors import relay_lag
from testkit.helpers import append_things
from testkit.kafka import read_topic
from testkit.processes import celery_worker, consumer_process, wait_for
from testkit.testapp.apps import ECHO, LEDGER

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACE_ID, PARENT_SPAN_ID = 0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331


def lines_with(lines: list[dict], event: str) -> list[dict]:
    return [line for line in lines if line.get("event") == event]


@pytest.mark.postgres
@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.urls("testkit.testapp.urls")
@pytest.mark.usefixtures("committed_db", "kafka_bus", "thing_type")
def test_request_relay_task_and_consumer_share_the_operations_correlation_id(
    client, django_user_model, settings, caplog, run_process, tmp_path
):
    settings.MESSAGING_RELAY_ON_COMMIT = True  # the request queues the relay task
    client.force_login(django_user_model.objects.create_user("alice"))
    worker = run_process(celery_worker(tmp_path))
    stream = uuid.uuid4()

    with caplog.at_level(logging.INFO):
        response = client.post(
            f"/things/{stream}",
            {"n": 5},
            headers={"traceparent": TRACEPARENT},
        )
    assert response.status_code == 201
    correlation = response["X-Correlation-ID"]
    wait_for(
        lambda: relay_lag().pending == 0,
        timeout=30,
        what="the worker to relay the event",
    )
    consumer = run_process(consumer_process(ECHO, tmp_path))
    wait_for(lambda: read_stream(LEDGER), timeout=30, what="the consumer to handle the event")
    consumer.stop()
    wait_for(lambda: relay_lag().pending == 0, timeout=30, what="the answer to be relayed")

    # The event chain: the handler's output is caused by the request's event.
    (thing,) = read_stream(stream)
    (handled,) = read_stream(LEDGER)
    assert thing.metadata["correlation_id"] == correlation
    assert thing.metadata["causation_id"] == response["X-Request-ID"]
    assert handled.metadata["correlation_id"] == correlation
    assert handled.metadata["causation_id"] == str(thing.event_id)
    assert handled.metadata["traceparent"] == TRACEPARENT  # continued (no span exporter here)

    # The log lines of each process.
    request_lines = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    for name in ("request_started", "request_finished"):
        (line,) = lines_with(request_lines, name)
        assert line["correlation_id"] == correlation
        assert line["request_id"] == response["X-Request-ID"]
    # A relay session serves every operation committed meanwhile (it may have been queued by
    # this request or by beat's sweep): its line for this operation's events carries the id.
    worker_lines = worker.log_lines()
    published = [
        line for line in lines_with(worker_lines, "relay_published")
        if line.get("correlation_id") == correlation
    ]  # fmt: skip
    assert sum(line["count"] for line in published) == 2  # the thing, and the handler's answer
    # Only the pipeline's tasks ran (beat also has the worker seal every few seconds).
    assert {line.get("task") for line in lines_with(worker_lines, "task_started")} <= {
        "messaging.relay", "messaging.relay_sweep", "messaging.seal_events",
    }  # fmt: skip
    (applied,) = lines_with(consumer.log_lines(), "event_applied")
    assert applied["correlation_id"] == correlation
    assert applied["event_id"] == str(thing.event_id)
    assert applied["consumer"] == ECHO


@pytest.fixture
def spans(monkeypatch) -> InMemorySpanExporter:
    """An OpenTelemetry SDK recording the spans of this test (export is off by default)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("eventstore"))
    return exporter


@pytest.mark.django_db
def test_with_a_tracer_a_handler_continues_the_trace_from_a_consumer_span(
    spans, relay_on_commit, thing_type, django_capture_on_commit_callbacks
):
    with (
        operation(actor="user:1", traceparent=TRACEPARENT),
        django_capture_on_commit_callbacks(execute=True),
    ):
        (thing,) = append_things(uuid.uuid4(), 1)

    (span,) = spans.get_finished_spans()
    (handled,) = read_stream(LEDGER)
    assert span.name == f"{ECHO} process testing.ThingHappened"
    assert (span.context.trace_id, span.parent.span_id) == (TRACE_ID, PARENT_SPAN_ID)
    assert span.attributes["messaging.message.id"] == str(thing.event_id)
    assert handled.metadata["traceparent"] == f"00-{TRACE_ID:032x}-{span.context.span_id:016x}-01"


@pytest.mark.postgres
@pytest.mark.kafka
@pytest.mark.usefixtures("committed_db", "kafka_bus", "thing_type")
def test_with_a_tracer_the_relay_sends_its_producer_span_in_the_header(spans, settings):
    with operation(actor="user:1", traceparent=TRACEPARENT):
        (thing,) = append_things(uuid.uuid4(), 1)

    relay_log()

    (span,) = spans.get_finished_spans()
    (message,) = read_topic(f"{settings.KAFKA_TOPIC_PREFIX}testing.events", 1)
    assert span.name == f"{settings.KAFKA_TOPIC_PREFIX}testing.events publish"
    assert (span.context.trace_id, span.parent.span_id) == (TRACE_ID, PARENT_SPAN_ID)
    assert dict(message.headers())["traceparent"].decode() == (
        f"00-{TRACE_ID:032x}-{span.context.span_id:016x}-01"
    )
    assert thing.metadata["traceparent"] == TRACEPARENT  # the stored event is untouched

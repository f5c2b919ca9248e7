"""The Compose file loads as `docker compose config` would load it, and describes the
distributed mode: a three-broker cluster, the consumer groups scaled out."""

from __future__ import annotations

import pytest

from testkit.compose import REPO, compose_check, load

COMPOSE = REPO / "docker-compose.yml"
pytestmark = pytest.mark.skipif(compose_check() is None, reason="needs Go to build compose-go")


@pytest.fixture(scope="module")
def project() -> dict:
    resolved, error = load(COMPOSE, DJANGO_SECRET_KEY="compose-check")
    assert resolved is not None, error
    return resolved


def test_the_compose_file_needs_a_secret_key():
    resolved, error = load(COMPOSE, DJANGO_SECRET_KEY="")
    assert resolved is None and "set DJANGO_SECRET_KEY" in error


def test_kafka_is_a_cluster_of_three(project):
    brokers = {
        n: s
        for n, s in project["services"].items()
        if s.get("image", "").startswith("apache/kafka")
    }
    assert sorted(brokers) == ["kafka-1", "kafka-2", "kafka-3"]
    environments = [b["environment"] for b in brokers.values()]
    assert sorted(e["KAFKA_NODE_ID"] for e in environments) == ["1", "2", "3"]
    assert {e["CLUSTER_ID"] for e in environments} == {environments[0]["CLUSTER_ID"]}
    assert {e["KAFKA_CONTROLLER_QUORUM_VOTERS"] for e in environments} == {
        "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
    }
    assert {e["KAFKA_MIN_INSYNC_REPLICAS"] for e in environments} == {"2"}
    web = project["services"]["web"]["environment"]
    assert web["KAFKA_BOOTSTRAP_SERVERS"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
    assert all(b.get("healthcheck") for b in brokers.values())


def test_each_consumer_group_runs_three_processes(project):
    groups = {n: s for n, s in project["services"].items() if n.startswith("consume-")}
    assert sorted(groups) == ["consume-documents", "consume-notifications", "consume-translations"]
    for name, service in groups.items():
        assert service["deploy"]["replicas"] == 3, name
        assert service["command"] == [
            "python",
            "manage.py",
            "consume",
            name.removeprefix("consume-"),
        ]


def test_a_broken_file_is_refused(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        COMPOSE.read_text().replace("condition: service_healthy", "condition: soon", 1)
    )
    resolved, error = load(broken, DJANGO_SECRET_KEY="compose-check")
    assert resolved is None and "condition" in error


def test_a_schema_registry_beside_the_cluster(project):
    registry = project["services"]["schema-registry"]
    assert registry["image"].startswith("apicurio/apicurio-registry:")
    web = project["services"]["web"]["environment"]
    assert web["SCHEMA_REGISTRY_URL"] == "http://schema-registry:8080/apis/ccompat/v7"
    # The topics' schemas are registered before anything can be published.
    assert "register_schemas" in " ".join(project["services"]["migrate"]["command"])
    assert "schema-registry" in project["services"]["migrate"]["depends_on"]

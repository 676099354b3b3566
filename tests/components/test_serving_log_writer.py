"""The serving-log-writer Deployment runs aiplat's own log writer (`aiplat lake serve-logs`)
against the stack's lake catalog, with options the command really has."""

from __future__ import annotations

import pytest
import typer.main

from aiplat.cli.lake import app as lake_app
from aiplat.manifests import manifests


def log_writer_container(capture, stack: str) -> dict:
    """The primary region's log writer (every region has one on multi-region stacks)."""
    deployment = next(
        m.body
        for m in manifests(capture(stack, False))
        if m.kind == "Deployment" and m.name == "serving-log-writer"
    )
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def serve_logs_options() -> set[str]:
    command = typer.main.get_command(lake_app).commands["serve-logs"]
    return {opt for param in command.params for opt in param.opts}


@pytest.mark.parametrize("stack", ["advanced-prod", "expert-prod"])
def test_the_log_writer_runs_serve_logs_on_the_stacks_catalog(capture, stack):
    container = log_writer_container(capture, stack)
    assert container["command"] == ["aiplat", "lake", "serve-logs"]
    args = container["args"]
    flags = [a for a in args if a.startswith("--")]
    assert set(flags) <= serve_logs_options()
    assert args[args.index("--catalog") + 1] == "glue"
    assert args[args.index("--port") + 1] == str(container["ports"][0]["containerPort"])
    assert "glue.region=us-east-1" in args


def test_on_a_rest_catalog_the_log_writer_is_given_its_uri():
    from components.lake_access import CatalogKind, LakeAccess
    from components.serving_backends import log_writer_spec
    from components.serving_plan import LogTransport
    from tiers import TIERS
    from tiers.model import Environment, Tier

    lake = LakeAccess(
        catalog=CatalogKind.REST,
        warehouse_uri="s3://warehouse/",
        artifacts_uri="s3://artifacts/",
        catalog_uri="http://polaris.lake.svc:8181/api/catalog",
        s3_endpoint="http://seaweedfs-s3.lake.svc:8333",
    )
    spec = log_writer_spec(
        TIERS[Tier.ADVANCED].stacks.serving, Environment.PROD, LogTransport.HTTP, lake
    )
    args = list(spec.args)
    assert args[args.index("--catalog") + 1] == "rest"
    assert "uri=http://polaris.lake.svc:8181/api/catalog" in args
    assert args[args.index("--warehouse") + 1] == "warehouse"  # Polaris: the catalog's name
    # Polaris's principal and the object store's keys come from a mounted Secret's files.
    assert "credential=@/etc/lake-client/credential" in args
    assert "s3.endpoint=http://seaweedfs-s3.lake.svc:8333" in args
    assert spec.env["AWS_SHARED_CREDENTIALS_FILE"] == "/etc/lake-client/credentials"
    volumes = {v["name"]: v for v, _ in spec.extra_volumes}
    assert volumes["lake-client"]["secret"]["secretName"] == "serving-lake-client"
    assert not any("secret" in str(v).lower() for v in spec.env.values())  # K8S-09
    assert set(a for a in args if a.startswith("--")) <= serve_logs_options()


def test_with_kafka_the_deployment_env_is_what_serve_logs_reads():
    from components.serving_backends import log_writer_spec
    from components.serving_plan import SERVING_LOG_TOPICS, LogTransport
    from components.values.kafka_topics import TOPICS
    from tiers import TIERS
    from tiers.model import Environment, Tier

    spec = log_writer_spec(
        TIERS[Tier.ADVANCED].stacks.serving, Environment.PROD, LogTransport.KAFKA, None
    )
    command = typer.main.get_command(lake_app).commands["serve-logs"]
    read = {param.envvar: param for param in command.params if param.envvar}
    kafka_env = {k for k in spec.env if k.startswith("KAFKA_")}
    assert kafka_env == {
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_REQUEST_TOPIC",
        "KAFKA_RESPONSE_TOPIC",
        "KAFKA_CA_FILE",
    }
    assert kafka_env <= set(read)
    # The command's default topics are the ones the writer is given, and both are topics
    # the platform's Kafka creates (auto-creation is off).
    for env, kind in (("KAFKA_REQUEST_TOPIC", "requests"), ("KAFKA_RESPONSE_TOPIC", "responses")):
        assert read[env].default == spec.env[env] == SERVING_LOG_TOPICS[kind]
    assert set(SERVING_LOG_TOPICS.values()) <= {t.name for t in TOPICS}
    mounts = {v["name"]: v for v, _ in spec.extra_volumes}
    assert spec.env["KAFKA_CA_FILE"] == "/etc/kafka-tls/ca.crt" and "kafka-tls" in mounts

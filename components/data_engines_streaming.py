"""Flink (Apache Flink Kubernetes operator) and in-cluster Kafka (Strimzi): the platform's
FlinkDeployment, Kafka, KafkaNodePools and KafkaTopics as pure functions of the engine sizes.

Kafka ``aiplat-kafka`` in namespace ``kafka`` has one internal TLS listener on 9093 (the
serving log writer's bootstrap: ``aiplat-kafka-kafka-bootstrap.kafka.svc:9093``) whose
certificate the mesh's cert-manager issues from the internal CA, KRaft
controllers and brokers in separate node pools, and the serving data-flow topics.
"""

from __future__ import annotations

import math
from typing import Any

from components.hardening import (
    Resources,
    container,
    container_security_context,
    image,
    pod_security_context,
    pod_spec,
    scratch_volume,
)
from components.platform_namespace import Quota
from components.values import cert_manager, flink, strimzi
from components.values.kafka_topics import RETENTION_MS, TOPICS, broker_config, replication
from tiers.model import EngineSizes

_PART_OF = {"app.kubernetes.io/part-of": "aiplat-engines"}
CONTROLLERS = 3  # KRaft quorum, whatever the broker count
BROKER = Resources(cpu_request="1", memory_request="4Gi", cpu_limit="2", memory_limit="4Gi")
CONTROLLER = Resources(cpu_request="250m", memory_request="1Gi", cpu_limit="1", memory_limit="1Gi")
ENTITY_OPERATOR = Resources(
    cpu_request="100m", memory_request="256Mi", cpu_limit="500m", memory_limit="512Mi"
)


# --- Flink -----------------------------------------------------------------------------


def flink_quota(sizes: EngineSizes) -> Quota:
    tm_cpu = sizes.flink_task_slots * sizes.flink_task_managers
    cpu = 2 + flink.JOB_MANAGER["cpu"] + tm_cpu
    memory = 2 + math.ceil(
        (2048 + flink.TASK_MANAGER_MEMORY_MIB * sizes.flink_task_managers) / 1024
    )
    return Quota(cpu=str(cpu), memory=f"{memory}Gi", gpus=0, pods=sizes.flink_task_managers + 6)


def flink_deployment(sizes: EngineSizes) -> dict[str, Any]:
    """The FlinkDeployment ``spec``: a session cluster (jobs are submitted as
    FlinkSessionJobs or through its REST API) with hardened pods."""
    tmp, tmp_mount = scratch_volume("flink-tmp", "/tmp", "5Gi")
    logs, logs_mount = scratch_volume("flink-log", "/opt/flink/log", "1Gi")
    main = container(
        name="flink-main-container",  # the operator's name for the main container
        image_ref=image(*flink.IMAGE),
        resources=Resources(
            cpu_request=str(flink.JOB_MANAGER["cpu"]),
            memory_request="2Gi",
            cpu_limit=str(flink.JOB_MANAGER["cpu"]),
            memory_limit="2Gi",
        ),
        mounts=(tmp_mount, logs_mount),
    )
    spec = pod_spec(
        service_account=flink.SERVICE_ACCOUNT,
        containers=[main],
        volumes=(tmp, logs),
        automount_token=True,  # native mode: the JobManager creates TaskManager pods
    )
    spec["securityContext"] = pod_security_context(flink.FLINK_UID)
    return {
        "image": image(*flink.IMAGE),
        "imagePullPolicy": "IfNotPresent",
        "flinkVersion": flink.FLINK_VERSION,
        "mode": "native",
        "serviceAccount": flink.SERVICE_ACCOUNT,
        "flinkConfiguration": {
            "taskmanager.numberOfTaskSlots": str(sizes.flink_task_slots),
            "execution.checkpointing.interval": "60s",
            "io.tmp.dirs": "/tmp",
        },
        "podTemplate": {"metadata": {"labels": dict(_PART_OF)}, "spec": spec},
        "jobManager": {"replicas": 1, "resource": dict(flink.JOB_MANAGER)},
        "taskManager": {
            "replicas": sizes.flink_task_managers,
            "resource": {
                "cpu": sizes.flink_task_slots,
                "memory": f"{flink.TASK_MANAGER_MEMORY_MIB}m",
            },
        },
    }


# --- Kafka (Strimzi) -------------------------------------------------------------------


def kafka_quota(sizes: EngineSizes) -> Quota:
    cpu = 2 + 2 * sizes.kafka_brokers + CONTROLLERS + 2
    memory = 2 + 4 * sizes.kafka_brokers + CONTROLLERS + 2
    return Quota(cpu=str(cpu), memory=f"{memory}Gi", gpus=0, pods=sizes.kafka_brokers + 10)


def _pod_template() -> dict[str, Any]:
    return {"securityContext": pod_security_context(strimzi.KAFKA_UID)}


def kafka(sizes: EngineSizes) -> dict[str, Any]:
    """The Kafka ``spec``: TLS-only internal listener (its certificate from
    :func:`listener_certificate`), no auto-created topics, replication from the broker
    count, hardened pods and containers."""
    hardened = {"securityContext": container_security_context()}
    return {
        "kafka": {
            "version": strimzi.KAFKA_VERSION,
            "listeners": [
                {
                    "name": "tls",
                    "port": strimzi.TLS_PORT,
                    "type": "internal",
                    "tls": True,
                    "configuration": {
                        "brokerCertChainAndKey": {
                            "secretName": strimzi.LISTENER_SECRET,
                            "certificate": "tls.crt",
                            "key": "tls.key",
                        }
                    },
                }
            ],
            "config": broker_config(sizes.kafka_brokers),
            "template": {"pod": _pod_template(), "kafkaContainer": dict(hardened)},
        },
        "entityOperator": {
            "topicOperator": {"resources": ENTITY_OPERATOR.as_k8s()},
            "userOperator": {"resources": ENTITY_OPERATOR.as_k8s()},
            "template": {
                "pod": _pod_template(),
                "topicOperatorContainer": dict(hardened),
                "userOperatorContainer": dict(hardened),
            },
        },
    }


def listener_certificate() -> dict[str, Any]:
    """The cert-manager Certificate ``spec`` of the TLS listener, signed by the internal CA;
    Strimzi rolls the brokers when cert-manager renews it."""
    return cert_manager.leaf_certificate(
        secret_name=strimzi.LISTENER_SECRET,
        common_name=f"{strimzi.CLUSTER}-kafka-bootstrap",
        dns_names=strimzi.listener_dns_names(),
        usages=("server auth", "digital signature", "key encipherment"),
    )


def node_pools(sizes: EngineSizes) -> dict[str, dict[str, Any]]:
    """KafkaNodePool ``spec`` by pool name: KRaft controllers and brokers."""
    hardened = {
        "pod": _pod_template(),
        "kafkaContainer": {"securityContext": container_security_context()},
    }

    def pool(replicas: int, role: str, size_gib: int, resources: Resources) -> dict[str, Any]:
        return {
            "replicas": replicas,
            "roles": [role],
            "storage": {
                "type": "jbod",
                "volumes": [
                    {
                        "id": 0,
                        "type": "persistent-claim",
                        "size": f"{size_gib}Gi",
                        "deleteClaim": False,
                        "kraftMetadata": "shared",
                    }
                ],
            },
            "resources": resources.as_k8s(),
            "template": hardened,
        }

    return {
        "controller": pool(CONTROLLERS, "controller", 20, CONTROLLER),
        "broker": pool(sizes.kafka_brokers, "broker", sizes.kafka_storage_gib, BROKER),
    }


def topics(sizes: EngineSizes) -> dict[str, dict[str, Any]]:
    """KafkaTopic ``spec`` by Kubernetes name."""
    factor, min_isr = replication(sizes.kafka_brokers)
    return {
        topic.resource_name: {
            "topicName": topic.name,
            "partitions": sizes.kafka_partitions,
            "replicas": factor,
            "config": {
                "retention.ms": RETENTION_MS,
                "min.insync.replicas": min_isr,
                "cleanup.policy": "delete",
            },
        }
        for topic in TOPICS
    }

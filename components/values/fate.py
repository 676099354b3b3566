"""KubeFATE ``fate`` chart values (v2.0.0, release asset) and the FATE data aiplat renders
itself: the OSX route tables (star topology: every party routes through the exchange) and
the reference training job templates carrying the federation's privacy settings.

All pure functions of the resolved federation spec; tested as tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tiers.model import FatePartySpec, FederationSpec

EXCHANGE = "exchange"
EXCHANGE_NAMESPACE = "fate-exchange"
OSX_PORT = 9370  # OSX gRPC inside a cluster (carried over the mesh's mTLS)
OSX_TLS_PORT = 9883  # OSX gRPC with FATE's own mutual TLS, between regions
FATEFLOW_PORT = 9360
OSX_LABEL = ("fateMoudle", "osx")  # the chart's own (misspelt) module label


def party_namespace(party: str) -> str:
    return f"fate-{party}"


def zone_name(stack: str) -> str:
    """The private DNS zone of the federation's cross-region names."""
    return f"{stack}.fate.internal"


def external_host(stack: str, member: str) -> str:
    """The DNS name a party or the exchange is reached by from another region: a record in
    :func:`zone_name` pointing at the member's internal load balancer (the FATE link)."""
    return f"{member}.{zone_name(stack)}"


REMOTE_SERVICE = "osx-remote"  # the internal NLB in front of a member's OSX TLS port


def remote_members(spec: FederationSpec) -> dict[str, tuple[str, ...]]:
    """Members reached from another region, each with the regions it is reached from: the
    exchange from every region hosting a party of its own; each such party from the
    exchange's region. Empty when everything runs in one region."""
    hub = spec.exchange_region
    spokes = tuple(sorted({p.region for p in spec.parties if p.region != hub}))  # type: ignore[type-var]
    if not spokes or hub is None:
        return {}
    out: dict[str, tuple[str, ...]] = {EXCHANGE: spokes}
    out |= {p.name: (hub,) for p in spec.parties if p.region != hub}
    return out


def remote_service(namespace: str, source_cidrs: tuple[str, ...]) -> dict[str, Any]:
    """An internal Network Load Balancer (the in-tree AWS cloud provider's, so no extra
    controller) in front of the member's OSX TLS port, admitting only ``source_cidrs``
    (the peer regions' VPCs; the provider opens the nodes' security group to them alone).
    ``externalTrafficPolicy: Local`` keeps the peer's address, which the NetworkPolicy
    then sees."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": REMOTE_SERVICE,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "fate"},
            "annotations": {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
            },
        },
        "spec": {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "loadBalancerSourceRanges": list(source_cidrs),
            "selector": dict([OSX_LABEL]),
            "ports": [
                {"name": "osx-tls", "port": OSX_TLS_PORT, "targetPort": OSX_TLS_PORT,
                 "protocol": "TCP"}
            ],
        },
    }  # fmt: skip


def service_host(namespace: str) -> str:
    return f"osx.{namespace}.svc.cluster.local"


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """Where one member of the federation is reached from a given cluster."""

    party_id: int
    host: str
    port: int
    tls: bool


def endpoint(
    stack: str, member: str, party_id: int, namespace: str, same_cluster: bool
) -> Endpoint:
    if same_cluster:
        return Endpoint(party_id=party_id, host=service_host(namespace), port=OSX_PORT, tls=False)
    return Endpoint(
        party_id=party_id, host=external_host(stack, member), port=OSX_TLS_PORT, tls=True
    )


def exchange_endpoint(stack: str, spec: FederationSpec, region: str | None) -> Endpoint:
    """The exchange as seen from a cluster in ``region``."""
    return endpoint(
        stack,
        EXCHANGE,
        spec.exchange_party_id,
        EXCHANGE_NAMESPACE,
        region == spec.exchange_region,
    )


def party_endpoint(stack: str, spec: FederationSpec, party: FatePartySpec) -> Endpoint:
    """A party as seen from the exchange."""
    return endpoint(
        stack,
        party.name,
        party.party_id,
        party_namespace(party.name),
        party.region == spec.exchange_region,
    )


def _route(target: Endpoint) -> list[dict[str, Any]]:
    return [{"ip": target.host, "port": target.port}]


def party_routes(stack: str, spec: FederationSpec, party: FatePartySpec) -> dict[int, Endpoint]:
    """Where a party sends traffic for each other party: always the exchange."""
    exchange = exchange_endpoint(stack, spec, party.region)
    return {p.party_id: exchange for p in spec.parties if p.name != party.name}


def exchange_routes(stack: str, spec: FederationSpec) -> dict[int, Endpoint]:
    """Where the exchange sends traffic for each party: that party's OSX."""
    return {p.party_id: party_endpoint(stack, spec, p) for p in spec.parties}


def route_table(self_party: int, routes: dict[int, Endpoint], own_flow: bool) -> dict[str, Any]:
    """OSX ``route_table.json``, as the chart renders it from ``partyList``: one entry per
    peer party; a party also routes its own ID to its FATE Flow."""
    table: dict[str, Any] = {str(pid): {"default": _route(e)} for pid, e in sorted(routes.items())}
    if own_flow:
        table[str(self_party)] = {"fateflow": [{"ip": "fateflow", "port": FATEFLOW_PORT}]}
    return {
        "route_table": table,
        "self_party": [str(self_party)],
        "permission": {"default_allow": True},
    }


def party_list(routes: dict[int, Endpoint]) -> list[dict[str, Any]]:
    return [
        {"partyId": pid, "partyIp": e.host, "partyPort": e.port}
        for pid, e in sorted(routes.items())
    ]


def party_values(stack: str, spec: FederationSpec, party: FatePartySpec) -> dict[str, Any]:
    """Chart values of one party: FATE Flow, OSX, Eggroll computing, MySQL, FATE Board.
    Its ``partyList`` maps every other party to the exchange, so the chart's route table
    has no direct route between parties."""
    exchange = exchange_endpoint(stack, spec, party.region)
    return {
        "partyId": party.party_id,
        "partyName": party_namespace(party.name),
        "istio": {"enabled": False},  # the platform's mesh injects sidecars, not the chart
        "podSecurityPolicy": {"enabled": False},
        "exchange": {"partyIp": exchange.host, "partyPort": exchange.port},
        "partyList": party_list(party_routes(stack, spec, party)),
        "computing": "Eggroll",
        "federation": "OSX",
        "storage": "Eggroll",
        "algorithm": "Basic",
        "device": "CPU",
        "modules": {
            "osx": {"include": True, "type": "ClusterIP"},
            "python": {"include": True, "type": "ClusterIP"},
            "fateboard": {"include": True, "type": "ClusterIP"},
            "client": {"include": False},
            "clustermanager": {"include": True},
            "nodemanager": {"include": True, "count": 2},
            "mysql": {"include": True},
        },
        "persistence": {"enabled": True},
    }


def exchange_values(stack: str, spec: FederationSpec) -> dict[str, Any]:
    """Chart values of the exchange: OSX only, with a route to every party."""
    return {
        "partyId": spec.exchange_party_id,
        "partyName": EXCHANGE_NAMESPACE,
        "istio": {"enabled": False},
        "podSecurityPolicy": {"enabled": False},
        "partyList": party_list(exchange_routes(stack, spec)),
        "computing": "Eggroll",
        "federation": "OSX",
        "modules": {
            "osx": {"include": True, "type": "ClusterIP"},
            **{
                module: {"include": False}
                for module in (
                    "python",
                    "fateboard",
                    "client",
                    "clustermanager",
                    "nodemanager",
                    "mysql",
                )
            },
        },
        "persistence": {"enabled": False},
    }


def privacy_settings(spec: FederationSpec) -> dict[str, Any]:
    """The federation's privacy settings, as the job templates carry them."""
    return {
        "secure_aggregation": spec.secure_aggregation,
        "differential_privacy": {
            "enabled": spec.differential_privacy,
            "epsilon": spec.epsilon,
            "delta": spec.delta,
        },
    }


def _parties(spec: FederationSpec, guest: FatePartySpec) -> list[dict[str, Any]]:
    hosts = [str(p.party_id) for p in spec.parties if p.name != guest.name]
    return [
        {"role": "guest", "party_id": [str(guest.party_id)]},
        {"role": "host", "party_id": hosts},
        {"role": "arbiter", "party_id": [str(guest.party_id)]},
    ]


def job_templates(spec: FederationSpec, guest: FatePartySpec) -> dict[str, str]:
    """Reference FATE 2.0 pipeline DAGs for jobs this party starts as guest: horizontal
    logistic regression (the arbiter aggregates, securely when secure aggregation is on)
    and SecureBoost (vertical, homomorphic encryption), each with the privacy settings."""
    privacy = privacy_settings(spec)

    def dag(task: str, component: str, parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            "schema_version": "2.0.0",
            "kind": "fate",
            "dag": {
                "parties": _parties(spec, guest),
                "stage": "train",
                "conf": {"privacy": privacy},
                "tasks": {
                    "reader_0": {
                        "component_ref": "reader",
                        "parameters": {"namespace": "experiment", "name": "train"},
                    },
                    task: {
                        "component_ref": component,
                        "dependent_tasks": ["reader_0"],
                        "parameters": parameters,
                        "inputs": {
                            "data": {
                                "train_data": {
                                    "task_output_artifact": {
                                        "producer_task": "reader_0",
                                        "output_artifact_key": "output_data",
                                    }
                                }
                            }
                        },
                    },
                },
            },
        }

    homo = dag(
        "homo_lr_0",
        "homo_lr",
        {"epochs": 10, "batch_size": 256, "secure_aggregate": spec.secure_aggregation},
    )
    boost = dag(
        "sbt_0",
        "hetero_secureboost",
        {"num_trees": 20, "max_depth": 4, "he_param": {"kind": "paillier", "key_length": 2048}},
    )
    return {
        "homo-lr.json": json.dumps(homo, indent=2, sort_keys=True),
        "hetero-secureboost.json": json.dumps(boost, indent=2, sort_keys=True),
        "privacy.json": json.dumps(privacy, indent=2, sort_keys=True),
    }

"""Stack configuration, read once at the edge into a frozen, strict pydantic model.

A stack file (``stacks/Pulumi.<stack>.yaml``) holds ``config:`` keys in the ``aiplat:``
namespace. The Pulumi program reads them from the Pulumi runtime (every value a string,
structured values as JSON); the CLI reads them from the YAML file. Both go through
:func:`parse_config`, so both accept and refuse exactly the same input.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tiers.errors import SpecError
from tiers.model import (
    CapacityType,
    Environment,
    KafkaMode,
    Provisioner,
    ReservationKind,
    ServingBackend,
    SharingMode,
    Target,
    Tier,
)

NAMESPACE = "aiplat"
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

NodeCount = Annotated[int, Field(ge=0, strict=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


class BudgetMode(StrEnum):
    ENFORCE = "enforce"  # stop before any resource is created
    WARN = "warn"  # report, and go on


class SharingOverride(_Strict):
    """GPU sharing of one pool: ``{mode: time-slicing, replicas: 4}`` or
    ``{mode: mig, migProfile: 1g.10gb}`` or ``{mode: none}``."""

    mode: SharingMode
    replicas: Annotated[int, Field(ge=1)] | None = None
    migProfile: str | None = None


class ReservationOverride(_Strict):
    """A capacity reservation or capacity block, by ``id`` (cr-...) or by ``tags``."""

    kind: ReservationKind
    id: Annotated[str, Field(pattern=r"^cr-[0-9a-z]+$")] | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class GpuPoolOverride(_Strict):
    """Per-stack changes to one of the tier's GPU pools; unset fields keep the tier's value."""

    instanceType: str | None = None
    minNodes: NodeCount | None = None
    desiredNodes: NodeCount | None = None
    maxNodes: NodeCount | None = None
    capacityType: CapacityType | None = None
    efa: bool | None = None
    provisioner: Provisioner | None = None
    sharing: SharingOverride | None = None
    capacityReservation: ReservationOverride | None = None


class SystemPoolOverride(_Strict):
    instanceType: str | None = None
    minNodes: NodeCount | None = None
    desiredNodes: NodeCount | None = None
    maxNodes: NodeCount | None = None


class FatePartyOverride(_Strict):
    """Per-stack changes to one of the tier's FATE parties."""

    partyId: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    region: str | None = None


class FederationOverride(_Strict):
    """``aiplat:federation``: the privacy settings of the federation (and party placement);
    unset fields keep the tier's value. Checked in :mod:`tiers.resolve`."""

    epsilon: float | None = None
    delta: float | None = None
    secureAggregation: bool | None = None
    differentialPrivacy: bool | None = None
    parties: dict[str, FatePartyOverride] = Field(default_factory=dict)


class EdgeSiteConfig(_Strict):
    """``aiplat:edgeSites.<site>``: how to reach a cluster the user brings to the edge."""

    kubeconfig: str | None = None  # path or contents; required for every site
    context: str | None = None
    gpu: bool | None = None  # default: the tier's value, or no GPU for a site the tier lacks


class StackConfig(_Strict):
    """Every ``aiplat:`` key a stack file may set. Pulumi.yaml declares the same keys."""

    tier: Tier
    environment: Environment
    target: Target = Target.AWS
    regions: tuple[str, ...] | None = None
    kubernetesVersion: str | None = None
    vpcCidr: str = "10.64.0.0/16"
    gpuPools: dict[str, GpuPoolOverride] = Field(default_factory=dict)
    systemPool: SystemPoolOverride | None = None
    adminRoleArns: tuple[str, ...] = ()
    publicAccessCidrs: tuple[str, ...] = ()
    kubeconfig: str | None = None
    kubeContext: str | None = None
    devicePlugin: bool = True
    budget: Annotated[int, Field(ge=0)] = 0  # USD per year; 0 means no budget
    budgetMode: BudgetMode = BudgetMode.WARN
    # TCO inputs for this stack (paths relative to the project directory)
    tcoScenario: str | None = None
    tcoAssumptions: str | None = None
    tcoPrices: str | None = None
    # federation privacy settings and edge sites (checked in tiers/resolve.py)
    federation: FederationOverride | None = None
    edgeSites: dict[str, EdgeSiteConfig] = Field(default_factory=dict)
    # Serving (components/serving.py): the operator backend and the canary's share of traffic
    servingBackend: ServingBackend | None = None
    canaryWeight: int | None = None

    @field_validator("canaryWeight")
    @classmethod
    def _canary_weight(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 100:
            raise ValueError("must be a percentage of traffic between 0 and 100")
        return value

    # Owner (OIDC user email) of the kubeflow-user profile, for tiers with Kubeflow profiles
    kubeflowOwner: str | None = None

    @field_validator("kubeflowOwner")
    @classmethod
    def _kubeflow_owner(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("must be the owner's e-mail, as the OIDC provider (Dex) names users")
        return value

    kafka: KafkaMode = KafkaMode.STRIMZI  # where Kafka runs, for tiers that have it
    kafkaBrokers: int | None = None  # Kafka brokers (Strimzi or MSK); None: the tier's

    @field_validator("kafkaBrokers")
    @classmethod
    def _kafka_brokers(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 30:
            raise ValueError("must be a broker count between 1 and 30")
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("list at least one region (the first is the primary)")
        for region in value:
            if not _REGION.match(region):
                raise ValueError(f"{region!r} is not an AWS region name such as us-east-1")
        if len(set(value)) != len(value):
            raise ValueError("regions must be unique")
        return value

    @field_validator("vpcCidr")
    @classmethod
    def _vpc_cidr(cls, value: str) -> str:
        network = ipaddress.ip_network(value, strict=True)
        if network.version != 4 or not 16 <= network.prefixlen <= 20:
            raise ValueError("must be an IPv4 network between /16 and /20, such as 10.64.0.0/16")
        return value

    @field_validator("publicAccessCidrs")
    @classmethod
    def _public_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            network = ipaddress.ip_network(cidr, strict=False)
            if network.prefixlen == 0:
                raise ValueError(
                    f"{cidr} opens the API server to the internet; name your own CIDRs"
                )
        return value

    @field_validator("adminRoleArns")
    @classmethod
    def _arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", arn):
                raise ValueError(f"{arn!r} is not an IAM role ARN")
        return value


# Pulumi.yaml gives every optional key an empty default; empty means "unset".
_UNSET: tuple[Any, ...] = (None, "", [], {})

_AWS_ONLY = ("regions", "vpcCidr", "systemPool", "adminRoleArns", "publicAccessCidrs")
_KUBERNETES_ONLY = ("kubeconfig", "kubeContext")


def _fix_for(field: str) -> str:
    return f"correct {NAMESPACE}:{field} in the stack file (see docs/config.md)"


def _field_path(loc: tuple[Any, ...]) -> str:
    head, *rest = (str(part) for part in loc)
    return ".".join([f"{NAMESPACE}:{head}", *rest])


def parse_config(values: Mapping[str, Any]) -> StackConfig:
    """Validate the ``aiplat:`` keys of a stack (namespace already stripped).

    Values may be native (from YAML) or strings (from the Pulumi runtime, where structured
    values arrive as JSON). Raises :class:`SpecError` naming the first bad field.
    """
    decoded = {key: _decode(key, value) for key, value in values.items()}
    decoded = {key: value for key, value in decoded.items() if value not in _UNSET}
    try:
        config = StackConfig.model_validate(decoded)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field_path(error["loc"]) if error["loc"] else f"{NAMESPACE}:<config>"
        if error["type"] == "extra_forbidden":
            known = ", ".join(StackConfig.model_fields)
            raise SpecError(field, "unknown key", f"use one of: {known}") from None
        if error["type"] == "missing":
            raise SpecError(field, "is required", f"set {field} in the stack file") from None
        problem = error["msg"].removeprefix("Value error, ")
        got = error.get("input")
        if not isinstance(got, dict | list | tuple) and got is not None:
            problem = f"{problem} (got {got!r})"
        raise SpecError(field, problem, _fix_for(field.split(":", 1)[1])) from None
    _check_target_keys(config, decoded)
    return config


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    field = StackConfig.model_fields.get(key)
    if field is None or field.annotation in (str, str | None):
        return value
    stripped = value.strip()
    if (stripped and stripped[:1] in "[{") or stripped in ("true", "false"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            raise SpecError(f"{NAMESPACE}:{key}", "is not valid JSON", _fix_for(key)) from None
    return value


def _check_target_keys(config: StackConfig, given: Mapping[str, Any]) -> None:
    wrong = _KUBERNETES_ONLY if config.target is Target.AWS else _AWS_ONLY
    for key in wrong:
        if key in given:
            raise SpecError(
                f"{NAMESPACE}:{key}",
                f"does not apply to target {config.target.value}",
                f"remove it, or set {NAMESPACE}:target to the target it belongs to",
            )
    if config.target is Target.KUBERNETES and config.kafka is KafkaMode.MSK:
        raise SpecError(
            f"{NAMESPACE}:kafka",
            "msk (Amazon MSK) applies only to target aws",
            "use strimzi (in-cluster Kafka) on target kubernetes",
        )
    if config.target is Target.KUBERNETES:
        for pool, override in config.gpuPools.items():
            if override.instanceType is not None or override.capacityType is not None:
                raise SpecError(
                    f"{NAMESPACE}:gpuPools.{pool}",
                    "instanceType and capacityType apply only to target aws",
                    "on an existing cluster set only node counts",
                )
            if override.provisioner is not None or override.capacityReservation is not None:
                raise SpecError(
                    f"{NAMESPACE}:gpuPools.{pool}",
                    "provisioner and capacityReservation (Karpenter, EC2 capacity) apply only "
                    "to target aws",
                    "on an existing cluster its own autoscaler provisions nodes; remove them",
                )


def from_namespaced(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the ``aiplat:`` keys of a flat Pulumi config mapping, namespace stripped."""
    prefix = f"{NAMESPACE}:"
    return {key[len(prefix) :]: value for key, value in raw.items() if key.startswith(prefix)}

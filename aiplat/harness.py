"""Run the real Pulumi program offline, under ``pulumi.runtime.set_mocks``, and capture
every resource it registers (URN, type, name, parent, inputs) and the stack's exports.

The mocks stand in for the cloud, not for the program: they return what the provider would
(``id``, ``arn``, ``name`` and, for a few types, the outputs later resources read), so every
dependent input resolves and shows up in the capture.
"""

from __future__ import annotations

import hashlib
import runpy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from tiers.errors import SpecError

PROJECT = "aiplat"
PROGRAM = Path(__file__).resolve().parent.parent / "__main__.py"
ACCOUNT_ID = "123456789012"
COMPUTED = "<computed>"
_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class CapturedResource:
    urn: str
    id: str | None
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    dependencies: tuple[str, ...]
    provider: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    # properties whose later changes `pulumi up` leaves to whoever else changes them
    ignore_changes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        record = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "protect": self.protect,
            "inputs": self.inputs,
        }
        if self.ignore_changes:
            record["ignoreChanges"] = list(self.ignore_changes)
        return record


class ProgramError(SpecError):
    """The program stopped itself with ``pulumi.RunError`` (its message already names the
    field and the fix): one clean line, no traceback."""

    def __init__(self, message: str, registered: tuple[CapturedResource, ...] = ()) -> None:
        ValueError.__init__(self, message)
        self.field, self.problem, self.fix = "program", message, ""
        self.registered = registered  # what the program created before it stopped


@dataclass
class Capture:
    """Everything one run of the program registered, in URN order."""

    stack: str
    preview: bool
    resources: list[CapturedResource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_]

    def by_urn(self) -> dict[str, CapturedResource]:
        return {r.urn: r for r in self.resources}

    def under(self, type_: str) -> list[CapturedResource]:
        """Every resource below a component of ``type_``, at any depth, in URN order."""
        roots = {r.urn for r in self.of_type(type_)}
        by_urn = self.by_urn()
        found = []
        for resource in self.resources:
            parent = resource.parent
            while parent and parent not in roots:
                parent = by_urn[parent].parent if parent in by_urn else None
            if parent:
                found.append(resource)
        return found


def _plain(value: Any) -> Any:
    """Mock inputs as JSON-ready data: unknowns become ``<computed>``."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Unknown) or value == rpc.UNKNOWN:
        return COMPUTED
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format carries every number as a double
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _suffix(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:7]


class CloudMocks(pulumi.runtime.Mocks):
    """Provider stand-ins: deterministic ids, ARNs and the outputs later resources read."""

    def __init__(self) -> None:
        self._regions: dict[str, str] = {}
        self._lock = threading.Lock()

    def _region(self, provider_ref: str | None) -> str:
        provider_id = (provider_ref or "").rsplit("::", 1)[-1]
        return self._regions.get(provider_id, "us-east-1")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        resource_id = f"{args.name}-{_suffix(args.name)}"
        outputs = dict(args.inputs)
        if args.typ == "pulumi:providers:aws":
            with self._lock:
                self._regions[resource_id] = args.inputs.get("region", "us-east-1")
            return resource_id, outputs
        region = self._region(args.provider)
        physical = args.inputs.get("name") or resource_id
        service, kind = _service_kind(args.typ)
        region_part = "" if service == "iam" else region
        outputs.setdefault("name", physical)
        outputs["arn"] = f"arn:aws:{service}:{region_part}:{ACCOUNT_ID}:{kind}/{physical}"
        outputs.update(_type_outputs(args.typ, args.inputs, region, resource_id))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        region = self._region(args.provider)
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{region}{z}" for z in "abcd"]
            return {
                "names": names,
                "zoneIds": [f"{region_code_id(region)}-az{i}" for i in range(1, 5)],
                "id": region,
                "state": "available",
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/preview",
                "userId": "AIDAPREVIEW",
                "id": ACCOUNT_ID,
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        return dict(args.args)


def region_code_id(region: str) -> str:
    return "".join(part[:3] for part in region.split("-")[:-1]) + region.split("-")[-1]


def _service_kind(type_token: str) -> tuple[str, str]:
    """``aws:eks/nodeGroup:NodeGroup`` -> (``eks``, ``nodegroup``)."""
    package, _, rest = type_token.partition(":")
    module = rest.split("/")[0] if "/" in rest else package
    kind = rest.rsplit(":", 1)[-1].lower()
    return (module if package == "aws" else package), kind


def _type_outputs(type_token: str, inputs: Mapping[str, Any], region: str, rid: str) -> dict:
    if type_token == "aws:eks/cluster:Cluster":
        return {
            "endpoint": f"https://{_suffix(rid).upper()}.gr7.{region}.eks.amazonaws.com",
            "certificateAuthority": {"data": "TU9DSy1DQQ=="},
            "identities": [
                {
                    "oidcs": [
                        {
                            "issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{_suffix(rid).upper()}"
                        }
                    ]
                }
            ],
            "vpcConfig": {
                **inputs.get("vpcConfig", {}),
                "clusterSecurityGroupId": f"sg-{_suffix(rid)}",
            },
        }
    if type_token == "aws:kms/key:Key":
        return {"keyId": rid, "arn": f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{rid}"}
    if type_token == "aws:ec2/launchTemplate:LaunchTemplate":
        return {"latestVersion": 1}
    if (
        type_token == "kubernetes:core/v1:Service"
        and (inputs.get("spec") or {}).get("type") == "LoadBalancer"
    ):  # the cloud provider's load balancer, as Pulumi awaits it
        host = f"internal-{rid}.elb.{region}.amazonaws.com"
        return {"status": {"loadBalancer": {"ingress": [{"hostname": host}]}}}
    if type_token == "aws:elasticache/replicationGroup:ReplicationGroup":
        return {
            "primaryEndpointAddress": f"master.{rid}.{_suffix(rid)}.{region}.cache.amazonaws.com"
        }
    return {}


class CapturingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also recording each registration's parent and inputs."""

    def __init__(self, mocks: CloudMocks) -> None:
        super().__init__(mocks)
        self.captured: list[CapturedResource] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == _STACK_TYPE:
            return response
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        state = self.resources[response.urn].state
        record = CapturedResource(
            urn=response.urn,
            id=response.id or None,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            protect=bool(request.protect),
            dependencies=tuple(sorted(request.dependencies)),
            provider=request.provider or None,
            inputs=_plain(inputs),
            outputs=_plain(state),
            ignore_changes=tuple(request.ignoreChanges),
        )
        with self._lock:
            self.captured.append(record)
        return response


def config_strings(values: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file values as the Pulumi engine hands them to a program: strings, with
    structured values as JSON."""
    import json

    def as_string(value: Any) -> str:
        if isinstance(value, str):
            return value
        return json.dumps(value)

    return {f"{PROJECT}:{key}": as_string(value) for key, value in values.items()}


def run_program(stack: str, config: Mapping[str, Any], *, preview: bool) -> Capture:
    """Run ``__main__.py`` for ``stack`` with ``config`` (``aiplat:`` keys, namespace
    stripped) under mocks, and return what it registered and exported."""

    def program() -> None:
        runpy.run_path(str(PROGRAM), run_name="__main__")

    return run_function(stack, program, config=config, preview=preview)


def run_function(
    stack: str,
    program: Callable[[], None],
    *,
    config: Mapping[str, Any] | None = None,
    preview: bool,
) -> Capture:
    """Run ``program`` (any Pulumi code: the real program, or one component for a unit
    test) under the same mocks and capture, and return what it registered and exported."""
    mocks = CloudMocks()
    monitor = CapturingMonitor(mocks)
    settings.ROOT.set(None)
    runtime_config.set_all_config(config_strings(config or {}), [])
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    try:
        _sync_await(run_pulumi_func(program))
    except pulumi.RunError as exc:  # the program's own clean failure (bad config)
        settings.ROOT.set(None)
        raise ProgramError(str(exc), tuple(monitor.captured)) from None
    root = settings.get_root_resource()
    exports = {
        key: _resolve(value) for key, value in (getattr(root, "outputs", None) or {}).items()
    }
    settings.ROOT.set(None)
    return Capture(
        stack=stack,
        preview=preview,
        resources=sorted(monitor.captured, key=lambda r: r.urn),
        exports=exports,
    )


def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    resolved = _sync_await(output.future(with_unknowns=True))
    return _plain(resolved)

"""The components' pure decisions, as tables: AMI, taints, labels, EFA, subnets and names.

Expected values come from outside the code under test wherever one exists: the EKS API
model botocore ships (AMI types, taint effects), AWS's instance data and availability-zone
IDs as moto ships them, Kubernetes' documented spellings, and ``ipaddress`` arithmetic.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
from collections.abc import Iterator
from importlib import resources
from itertools import combinations
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from components.decisions import (
    POOL_LABEL,
    POOL_ROLE_LABEL,
    AmiType,
    Taint,
    ami_type,
    efa_interface_count,
    pool_labels,
    pool_taints,
    region_code,
    subnet_plan,
    tolerations,
    zone_suffix,
)
from tiers.instances import CATALOG, AcceleratorVendor, Arch, InstanceType, lookup
from tiers.model import CapacityType, PoolRole
from tiers.resolve import ResolvedGpuPool

_EKS = botocore.loaders.Loader().load_service_model("eks", "service-2")
EKS_AMI_TYPES = frozenset(_EKS["shapes"]["AMITypes"]["enum"])
EKS_TAINT_EFFECTS = frozenset(_EKS["shapes"]["TaintEffect"]["enum"])

# Kubernetes core/v1 Taint.effect: "Valid effects are NoSchedule, PreferNoSchedule and NoExecute."
# https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/#NodeSpec
KUBERNETES_TAINT_EFFECTS = frozenset({"NoSchedule", "PreferNoSchedule", "NoExecute"})

# Kubernetes label values: at most 63 characters, alphanumeric at both ends, "-_." inside.
# https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

GPU_TYPES = sorted(name for name, row in CATALOG.items() if row.is_accelerated)
EFA_TYPES = sorted(name for name, row in CATALOG.items() if row.efa)


def _aws_instance_data() -> dict[str, Any]:
    """AWS's DescribeInstanceTypes data as moto ships it, keyed by instance type."""
    blob = resources.files("moto.ec2.resources").joinpath("instance_types.json.gz").read_bytes()
    return json.loads(gzip.decompress(blob))


def gpu_pool(
    instance_type: str,
    *,
    efa: bool = False,
    name: str = "training",
    role: PoolRole = PoolRole.TRAINING,
) -> ResolvedGpuPool:
    return ResolvedGpuPool(
        name=name,
        role=role,
        instance=lookup(instance_type),
        min_nodes=0,
        desired_nodes=1,
        max_nodes=2,
        capacity_type=CapacityType.ON_DEMAND,
        efa=efa,
    )


# -- AMI types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("g6.xlarge", "AL2023_x86_64_NVIDIA"),  # NVIDIA on x86_64
        ("p5.48xlarge", "AL2023_x86_64_NVIDIA"),
        ("g5g.xlarge", "AL2023_ARM_64_NVIDIA"),  # NVIDIA T4g on Graviton
        ("trn1.32xlarge", "AL2023_x86_64_NEURON"),  # Trainium
        ("inf2.xlarge", "AL2023_x86_64_NEURON"),  # Inferentia2
        ("m7i.xlarge", "AL2023_x86_64_STANDARD"),  # CPU on x86_64
        ("m7g.xlarge", "AL2023_ARM_64_STANDARD"),  # CPU on Graviton
    ],
)
def test_ami_type_follows_the_accelerator_vendor_and_architecture(instance_type, expected):
    assert expected in EKS_AMI_TYPES  # the table itself uses the EKS API's spelling
    assert ami_type(lookup(instance_type)) == expected


@pytest.mark.parametrize("member", list(AmiType))
def test_every_ami_type_is_a_value_the_eks_api_accepts(member):
    assert member.value in EKS_AMI_TYPES


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_catalog_instance_gets_an_ami_for_its_architecture_and_accelerator(name):
    instance = CATALOG[name]
    ami = ami_type(instance).value
    arch_part = {Arch.X86_64: "_x86_64_", Arch.ARM64: "_ARM_64_"}[instance.arch]
    variant = {
        AcceleratorVendor.NONE: "STANDARD",
        AcceleratorVendor.NVIDIA: "NVIDIA",
        AcceleratorVendor.AWS_NEURON: "NEURON",
    }[instance.vendor]
    assert ami.startswith("AL2023" + arch_part)
    assert ami.endswith(variant)


def test_an_instance_without_an_eks_optimized_ami_is_refused_by_name():
    neuron_on_arm = InstanceType(
        name="trn9.arm",
        vendor=AcceleratorVendor.AWS_NEURON,
        accelerator="Trainium",
        accelerators=1,
        accelerator_memory_gib=32,
        vcpus=4,
        memory_gib=16,
        arch=Arch.ARM64,
        efa=False,
        max_network_cards=1,
    )
    with pytest.raises(ValueError) as caught:
        ami_type(neuron_on_arm)
    assert str(caught.value) == "no EKS-optimized AMI for neuron accelerators on arm64 (trn9.arm)"


# -- taints and tolerations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("g6.xlarge", (Taint("nvidia.com/gpu", "true", "NO_SCHEDULE"),)),
        ("g5g.xlarge", (Taint("nvidia.com/gpu", "true", "NO_SCHEDULE"),)),
        ("trn1.32xlarge", (Taint("aws.amazon.com/neuron", "true", "NO_SCHEDULE"),)),
        ("inf2.xlarge", (Taint("aws.amazon.com/neuron", "true", "NO_SCHEDULE"),)),
        ("m7i.xlarge", ()),
        ("m7g.xlarge", ()),
    ],
)
def test_accelerated_pools_are_tainted_with_their_device_resource_and_cpu_pools_are_not(
    instance_type, expected
):
    assert pool_taints(lookup(instance_type)) == expected


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_pool_taint_effect_is_one_the_eks_api_accepts(name):
    for taint in pool_taints(CATALOG[name]):
        assert taint.effect in EKS_TAINT_EFFECTS


@pytest.mark.parametrize(
    ("eks_effect", "kubernetes_effect"),
    [
        ("NO_SCHEDULE", "NoSchedule"),
        ("NO_EXECUTE", "NoExecute"),
        ("PREFER_NO_SCHEDULE", "PreferNoSchedule"),
    ],
)
def test_a_taint_spells_its_effect_the_kubernetes_way(eks_effect, kubernetes_effect):
    assert Taint("k", "v", eks_effect).kubernetes_effect == kubernetes_effect


@pytest.mark.parametrize("eks_effect", sorted(EKS_TAINT_EFFECTS))
def test_every_eks_taint_effect_has_a_kubernetes_spelling(eks_effect):
    assert Taint("k", "v", eks_effect).kubernetes_effect in KUBERNETES_TAINT_EFFECTS


def _tolerates(toleration: dict[str, str], taint: Taint) -> bool:
    """Kubernetes' matching rule for an ``Equal`` toleration (core/v1 Toleration)."""
    return (
        toleration["operator"] == "Equal"
        and toleration["key"] == taint.key
        and toleration["value"] == taint.value
        and toleration["effect"] == taint.kubernetes_effect
    )


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_tolerations_tolerate_exactly_the_pool_taints(name):
    instance = CATALOG[name]
    taints = pool_taints(instance)
    granted = tolerations(instance)
    assert len(granted) == len(taints)
    for taint in taints:
        assert any(_tolerates(t, taint) for t in granted), f"nothing tolerates {taint}"
    for toleration in granted:
        assert toleration["effect"] in KUBERNETES_TAINT_EFFECTS


def test_cpu_instances_need_no_tolerations():
    assert tolerations(lookup("m7i.xlarge")) == []


# -- labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "efa", "expected_extra"),
    [
        ("g6.xlarge", False, {"aiplat.io/accelerator": "l4", "nvidia.com/gpu.present": "true"}),
        (
            "g6.12xlarge",  # EFA-capable, but this pool does not ask for it
            False,
            {"aiplat.io/accelerator": "l4", "nvidia.com/gpu.present": "true"},
        ),
        (
            "p5.48xlarge",
            True,
            {
                "aiplat.io/accelerator": "h100",
                "nvidia.com/gpu.present": "true",
                "vpc.amazonaws.com/efa.present": "true",
            },
        ),
        (
            "trn1.32xlarge",
            True,
            {"aiplat.io/accelerator": "trainium", "vpc.amazonaws.com/efa.present": "true"},
        ),
        ("inf2.xlarge", False, {"aiplat.io/accelerator": "inferentia2"}),
    ],
)
def test_pool_labels_name_the_pool_its_role_and_its_accelerator(instance_type, efa, expected_extra):
    pool = gpu_pool(instance_type, efa=efa, name="big-train")
    expected = {POOL_LABEL: "big-train", POOL_ROLE_LABEL: "training", **expected_extra}
    assert pool_labels(pool) == expected


@pytest.mark.parametrize("role", list(PoolRole))
def test_the_pool_role_label_carries_the_role(role):
    pool = gpu_pool("g6.xlarge", role=role)
    assert pool_labels(pool)[POOL_ROLE_LABEL] == role.value


@pytest.mark.parametrize("name", GPU_TYPES)
def test_every_pool_label_value_is_a_valid_kubernetes_label_value(name):
    for key, value in pool_labels(gpu_pool(name, efa=CATALOG[name].efa)).items():
        assert len(value) <= 63 and LABEL_VALUE.match(value), f"{key}={value!r}"


# -- EFA ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        # AWS's MaximumNetworkCards (ec2:DescribeInstanceTypes; the EC2 user guide's
        # "Network cards" table): p5.48xlarge 32, p5en.48xlarge 16, p4d.24xlarge 4.
        ("p5.48xlarge", 32),
        ("p5en.48xlarge", 16),
        ("p4d.24xlarge", 4),
        ("g6.xlarge", 0),  # no EFA support at all
        ("m7i.xlarge", 0),
    ],
)
def test_efa_interface_count_is_one_per_network_card_and_zero_without_efa(instance_type, expected):
    assert efa_interface_count(lookup(instance_type)) == expected


@pytest.fixture(scope="module")
def aws_instance_data() -> dict[str, Any]:
    return _aws_instance_data()


@pytest.mark.parametrize("name", EFA_TYPES)
def test_no_instance_gets_more_efa_interfaces_than_aws_allows(aws_instance_data, name):
    limit = aws_instance_data[name]["NetworkInfo"]["EfaInfo"]["MaximumEfaInterfaces"]
    assert 1 <= efa_interface_count(CATALOG[name]) <= limit


# -- subnets --------------------------------------------------------------------------------


def test_a_slash_16_over_three_zones_gets_slash_19_private_and_slash_22_public_subnets():
    plan = subnet_plan("10.64.0.0/16", ["us-east-1a", "us-east-1b", "us-east-1c"])
    assert [(s.zone, s.private_cidr, s.public_cidr) for s in plan] == [
        ("us-east-1a", "10.64.0.0/19", "10.64.224.0/22"),
        ("us-east-1b", "10.64.32.0/19", "10.64.228.0/22"),
        ("us-east-1c", "10.64.64.0/19", "10.64.232.0/22"),
    ]


@st.composite
def vpcs(draw: st.DrawFn) -> ipaddress.IPv4Network:
    prefix = draw(st.integers(min_value=16, max_value=20))
    address = draw(st.integers(min_value=0, max_value=2**32 - 1))
    return ipaddress.ip_network((address, prefix), strict=False)


@given(vpc=vpcs(), zone_count=st.integers(min_value=1, max_value=7))
def test_every_subnet_lies_inside_the_vpc_and_no_two_overlap(vpc, zone_count):
    zones = [f"zone-{i}" for i in range(zone_count)]
    plan = subnet_plan(str(vpc), zones)
    assert [s.zone for s in plan] == zones
    subnets = [ipaddress.ip_network(c) for s in plan for c in (s.private_cidr, s.public_cidr)]
    for subnet in subnets:
        assert subnet.subnet_of(vpc)
    for a, b in combinations(subnets, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"
    for s in plan:
        assert ipaddress.ip_network(s.private_cidr).prefixlen == vpc.prefixlen + 3
        assert ipaddress.ip_network(s.public_cidr).prefixlen == vpc.prefixlen + 6


@pytest.mark.parametrize("zone_count", [0, 8])
def test_subnet_plan_refuses_zero_or_more_than_seven_zones(zone_count):
    zones = [f"zone-{i}" for i in range(zone_count)]
    with pytest.raises(ValueError, match=rf"between 1 and 7 zones.*\(got {zone_count}\)"):
        subnet_plan("10.64.0.0/16", zones)


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("us-east-1a", "1a"),
        ("eu-west-1c", "1c"),
        ("ap-southeast-2b", "2b"),
        ("us-gov-west-1a", "1a"),
    ],
)
def test_zone_suffix_is_the_region_number_and_zone_letter(zone, expected):
    assert zone_suffix(zone) == expected


def _partition_regions() -> Iterator[tuple[str, str]]:
    session = botocore.session.get_session()
    for partition in session.get_available_partitions():
        for region in session.get_available_regions("ec2", partition_name=partition):
            yield partition, region


@pytest.fixture(scope="module")
def availability_zones() -> Iterator[dict[str, list[dict[str, str]]]]:
    """Every region's zones (names and zone IDs) as moto's mocked EC2 API describes them."""
    regions = [
        region
        for partition, region in _partition_regions()
        if partition in ("aws", "aws-us-gov", "aws-cn")
    ]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_SESSION_TOKEN", "testing")
        env.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            zones = {}
            for region in regions:
                ec2 = boto3.client("ec2", region_name=region)
                zones[region] = ec2.describe_availability_zones()["AvailabilityZones"]
            yield zones


def test_zone_suffixes_are_unique_within_every_region(availability_zones):
    for region, zones in availability_zones.items():
        names = [z["ZoneName"] for z in zones]
        suffixes = [zone_suffix(name) for name in names]
        assert len(set(suffixes)) == len(suffixes), f"{region}: {names} -> {suffixes}"


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        # AWS's own short codes: the prefix of every zone ID in the region ("use1-az1", ...).
        # https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
        ("us-east-1", "use1"),
        ("eu-west-1", "euw1"),
        ("ap-southeast-2", "apse2"),
        ("ap-northeast-1", "apne1"),
        ("eu-central-1", "euc1"),
    ],
)
def test_region_code_is_the_short_code_aws_uses(region, expected):
    assert region_code(region) == expected


def test_region_code_is_the_prefix_of_every_zone_id_in_the_region(availability_zones):
    assert availability_zones, "moto described no regions"
    for region, zones in availability_zones.items():
        prefixes = {z["ZoneId"].rsplit("-az", 1)[0] for z in zones}
        assert prefixes == {region_code(region)}, region


def test_region_codes_are_unique_within_every_aws_partition():
    by_partition: dict[str, list[str]] = {}
    for partition, region in _partition_regions():
        by_partition.setdefault(partition, []).append(region)
    assert len(by_partition["aws"]) >= 15
    for partition, regions in by_partition.items():
        codes = [region_code(r) for r in regions]
        assert len(set(codes)) == len(codes), (
            f"{partition}: {dict(zip(regions, codes, strict=True))}"
        )

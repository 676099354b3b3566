"""The instance catalog says what AWS says: every row matches ec2:DescribeInstanceTypes.

The expected values are not copied from the catalog. They come from AWS's published
instance data as moto ships it (``moto/ec2/resources/instance_types.json.gz``), read through
a mocked EC2 API, so each row is checked against the response shape AWS itself returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tiers import TIERS
from tiers.instances import (
    CATALOG,
    AcceleratorVendor,
    Arch,
    InstanceType,
    UnknownInstanceType,
    lookup,
)

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def described() -> Iterator[dict[str, dict[str, Any]]]:
    """AWS's description of every catalog type, keyed by instance type."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in _FAKE_CREDENTIALS.items():
            env.setenv(key, value)
        env.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            pages = ec2.get_paginator("describe_instance_types").paginate(
                InstanceTypes=sorted(CATALOG)
            )
            yield {it["InstanceType"]: it for page in pages for it in page["InstanceTypes"]}


def _vendor(description: dict[str, Any]) -> AcceleratorVendor:
    if "GpuInfo" in description:
        manufacturers = {gpu["Manufacturer"] for gpu in description["GpuInfo"]["Gpus"]}
        assert manufacturers == {"NVIDIA"}, f"no vendor mapping for GPUs by {manufacturers}"
        return AcceleratorVendor.NVIDIA
    if "NeuronInfo" in description:
        return AcceleratorVendor.AWS_NEURON
    return AcceleratorVendor.NONE


def _devices(description: dict[str, Any]) -> list[dict[str, Any]]:
    if "GpuInfo" in description:
        return description["GpuInfo"]["Gpus"]
    if "NeuronInfo" in description:
        return description["NeuronInfo"]["NeuronDevices"]
    return []


def _arch(description: dict[str, Any]) -> Arch:
    supported = set(description["ProcessorInfo"]["SupportedArchitectures"]) & {"x86_64", "arm64"}
    assert len(supported) == 1, f"expected exactly one of x86_64/arm64, got {supported}"
    return Arch(supported.pop())


def as_catalog_row(description: dict[str, Any]) -> InstanceType:
    """What the catalog row should be, derived from AWS's description alone."""
    devices = _devices(description)
    assert len(devices) <= 1, "one kind of accelerator per instance type"
    device = devices[0] if devices else None
    network = description["NetworkInfo"]
    return InstanceType(
        name=description["InstanceType"],
        vendor=_vendor(description),
        accelerator=device["Name"] if device else None,
        accelerators=device["Count"] if device else 0,
        accelerator_memory_gib=device["MemoryInfo"]["SizeInMiB"] // 1024 if device else 0,
        vcpus=description["VCpuInfo"]["DefaultVCpus"],
        memory_gib=description["MemoryInfo"]["SizeInMiB"] // 1024,
        arch=_arch(description),
        efa=network["EfaSupported"],
        max_network_cards=network["MaximumNetworkCards"],
    )


def test_aws_describes_every_catalog_instance_type(described):
    assert set(described) == set(CATALOG)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_catalog_row_matches_what_aws_publishes_for_the_type(described, name):
    assert CATALOG[name] == as_catalog_row(described[name])


def test_lookup_of_an_unknown_type_raises_and_lists_every_known_type():
    with pytest.raises(UnknownInstanceType) as caught:
        lookup("x9.huge")
    message = str(caught.value)
    assert "'x9.huge'" in message
    for name in CATALOG:
        assert name in message


def _gpu_pool_types() -> list[tuple[str, str]]:
    return [
        (f"{tier}/{pool.name}", pool.instance_type)
        for tier, spec in TIERS.items()
        for pool in spec.gpu_pools
    ]


def _system_pool_types() -> list[tuple[str, str]]:
    return [(f"{tier}/system", spec.system_pool.instance_type) for tier, spec in TIERS.items()]


@pytest.mark.parametrize(("pool", "instance_type"), _gpu_pool_types() + _system_pool_types())
def test_every_instance_type_a_tier_uses_is_in_the_catalog(pool, instance_type):
    assert instance_type in CATALOG, f"{pool} uses {instance_type}, which the catalog lacks"


@pytest.mark.parametrize(("pool", "instance_type"), _gpu_pool_types())
def test_every_gpu_pool_instance_type_is_an_accelerated_type(pool, instance_type):
    assert lookup(instance_type).is_accelerated, f"{pool} runs on CPU-only {instance_type}"


@pytest.mark.parametrize(("pool", "instance_type"), _system_pool_types())
def test_every_system_pool_instance_type_is_a_cpu_type(pool, instance_type):
    assert not lookup(instance_type).is_accelerated, f"{pool} wastes accelerated {instance_type}"


@pytest.mark.parametrize(
    ("pool", "instance_type"),
    [
        (f"{tier}/{pool.name}", pool.instance_type)
        for tier, spec in TIERS.items()
        for pool in spec.gpu_pools
        if pool.efa
    ],
)
def test_every_efa_pool_runs_on_an_efa_capable_type(pool, instance_type):
    assert lookup(instance_type).efa, f"{pool} asks for EFA on {instance_type}"


def _offered_in(region: str) -> set[str]:
    """Instance types AWS lists as offered in a region (the offering data moto ships)."""
    import gzip
    import json
    from importlib import resources

    data = resources.files("moto.ec2.resources.instance_type_offerings.region").joinpath(
        f"{region}.json.gz"
    )
    return {o["InstanceType"] for o in json.loads(gzip.decompress(data.read_bytes()))}


@pytest.mark.parametrize("tier", list(TIERS))
def test_every_default_region_of_a_tier_offers_every_instance_type_it_uses(tier):
    spec = TIERS[tier]
    used = {p.instance_type for p in spec.gpu_pools} | {spec.system_pool.instance_type}
    for region in spec.regions:
        missing = used - _offered_in(region)
        assert not missing, f"{tier.value}: {region} does not offer {sorted(missing)}"


def _priced_types() -> list[tuple[str, str]]:
    from tco.catalog import load_hardware, load_region
    from tco.catalog.loading import shipped_regions

    priced = [(f"prices {r}", t) for r in shipped_regions() for t in load_region(r).instance_hour]
    return priced + [("hardware.yaml", t) for t in load_hardware()]


@pytest.mark.parametrize(("source", "instance_type"), _priced_types())
def test_every_instance_type_the_price_catalog_uses_is_in_the_instance_catalog(
    source, instance_type
):
    assert instance_type in CATALOG, f"{source} prices {instance_type}, which the catalog lacks"


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_gpu_count_gpu_memory_and_vcpus_are_what_aws_publishes(described, name):
    aws = as_catalog_row(described[name])
    row = CATALOG[name]
    assert (row.accelerators, row.accelerator_memory_gib, row.vcpus) == (
        aws.accelerators,
        aws.accelerator_memory_gib,
        aws.vcpus,
    )

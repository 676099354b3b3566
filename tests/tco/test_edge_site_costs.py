"""Edge sites are in the TCO: one owned server per site (GPU sites priced as the tier's
inference server, CPU sites as its system server), capex with refreshes plus power; adding a
site in the stack file adds exactly that server's cost."""

from __future__ import annotations

import pytest
import yaml

from aiplat.costs import tco_for_stack
from aiplat.stackfiles import load
from tco.catalog import load_assumptions, load_hardware
from tco.model import Category
from tco.stack import TcoOptions


def with_sites(tmp_path, stack: str, sites: dict) -> str:
    values = dict(load(stack).values, edgeSites=sites)
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in values.items()}}))
    return str(path)


def test_each_edge_site_of_expert_has_a_server_and_its_power():
    result = tco_for_stack(load("expert-prod"), TcoOptions())
    hardware = {line.item for line in result.cost_lines if line.category is Category.HARDWARE}
    power = {line.item for line in result.cost_lines if line.category is Category.OPERATIONS}
    assert "servers for edge store-east (1 x g6e.xlarge)" in hardware  # a GPU site
    assert "servers for edge plant-west (1 x m7i.4xlarge)" in hardware  # a CPU site
    assert any(item.startswith("power for edge store-east") for item in power)


def test_tiers_without_edge_sites_have_no_edge_lines():
    result = tco_for_stack(load("advanced-prod"), TcoOptions())
    assert not [line for line in result.cost_lines if "edge" in line.item]


def test_an_extra_gpu_site_adds_exactly_one_servers_capex_and_power(tmp_path):
    base_sites = dict(load("expert-prod").values["edgeSites"])
    extra = {**base_sites, "depot-north": {"kubeconfig": "depot-north.yaml", "gpu": True}}
    before = tco_for_stack(load(with_sites(tmp_path, "expert-prod", base_sites)), TcoOptions())
    after = tco_for_stack(load(with_sites(tmp_path, "expert-prod", extra)), TcoOptions())

    onprem = load_assumptions().onprem
    server = load_hardware().server_for("g6e.xlarge")
    life = int(onprem.depreciation_years.value)
    capex = server.price_per_instance_usd * onprem.facility_factor.value
    added = sorted(
        (line.item, line.year, line.amount_usd)
        for line in after.cost_lines
        if "depot-north" in line.item
    )
    assert [a for a in added if a[0].startswith("servers")] == [
        ("servers for edge depot-north (1 x g6e.xlarge)", year, pytest.approx(capex))
        for year in range(0, before.years, life)
    ]
    delta = sum(line.amount_usd for line in after.cost_lines) - sum(
        line.amount_usd for line in before.cost_lines
    )
    assert delta == pytest.approx(sum(a[2] for a in added), abs=1e-6)  # sums of ~1e8
    assert delta > capex

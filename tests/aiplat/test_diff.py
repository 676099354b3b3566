"""aiplat diff: added, removed and changed resources and the cost delta per component."""

from __future__ import annotations

import json

import pytest
import yaml

from aiplat.diff import resource_key
from aiplat.stackfiles import stacks_dir
from tco.catalog import load_assumptions, load_region
from tco.model import HOURS_PER_YEAR, MONTHS_PER_YEAR


def test_a_stack_against_itself_is_empty(cli):
    code, out, err = cli("diff", "poc-dev", "poc-dev", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["added"] == result["removed"] == result["changed"] == []
    assert result["cost_delta"] == []
    assert result["totals"]["yearly_usd"] == 0


def test_promoting_poc_prod_to_intermediate_prod_adds_what_intermediate_has_and_costs_more(
    cli, capture
):
    code, out, err = cli("diff", "poc-prod", "intermediate-prod", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    before = {resource_key(r.urn) for r in capture("poc-prod", True).resources}
    after = capture("intermediate-prod", True).resources
    expected = sorted((r.type, r.name) for r in after if resource_key(r.urn) not in before)
    assert expected, "intermediate-prod adds nothing over poc-prod"
    assert sorted((r["type"], r["name"]) for r in result["added"]) == expected
    lake_added = [r for r in result["added"] if r["component"].endswith("[Lakehouse]")]
    assert lake_added, "the lake grows (more Glue databases) in intermediate"
    components = {r["component"].rsplit(" [", 1)[-1] for r in result["added"]}
    assert {"Kubeflow]", "Serving]"} <= components, "the trainer and the Seldon operator"
    charts = {r["name"] for r in result["added"] if r["type"].endswith(":Release")}
    assert any(name.endswith("-trainer") for name in charts)
    assert any("seldon" in name for name in charts)
    assert result["totals"]["yearly_usd"] > 0
    assert result["totals"]["monthly_usd"] == pytest.approx(
        result["totals"]["yearly_usd"] / 12, abs=0.01
    )
    assert sum(c["yearly_usd"] for c in result["cost_delta"]) == pytest.approx(
        result["totals"]["yearly_usd"], abs=0.1
    )


def test_more_nodes_in_a_modified_stack_file_show_the_changed_input_and_the_exact_cost(
    cli, capture, tmp_path
):
    pool = next(
        g
        for g in capture("poc-prod", True).of_type("aws:eks/nodeGroup:NodeGroup")
        if g.inputs.get("capacityType") == "ON_DEMAND"
        and g.inputs["labels"].get("aiplat.io/pool-role", "system") != "system"
    )
    role = pool.inputs["labels"]["aiplat.io/pool-role"]
    scaling = pool.inputs["scalingConfig"]
    desired = scaling["desiredSize"] + 2
    document = yaml.safe_load((stacks_dir() / "Pulumi.poc-prod.yaml").read_text())
    document["config"]["aiplat:gpuPools"] = {
        role: {"desiredNodes": desired, "maxNodes": max(desired, scaling["maxSize"])}
    }
    modified = tmp_path / "Pulumi.poc-prod.yaml"
    modified.write_text(yaml.safe_dump(document))

    code, out, err = cli("diff", "poc-prod", str(modified), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["added"] == result["removed"] == []
    (changed,) = [r for r in result["changed"] if r["name"] == pool.name]
    changes = {c["path"]: (c["old"], c["new"]) for c in changed["changes"]}
    assert changes["scalingConfig.desiredSize"] == (scaling["desiredSize"], desired)

    region = load_region("us-east-1")
    util = load_assumptions(None).utilisation_for(role).value
    instance = pool.inputs["instanceTypes"][0]
    hourly = region.instance(instance).amount_usd
    templates = {
        t.id: t for t in capture("poc-prod", True).of_type("aws:ec2/launchTemplate:LaunchTemplate")
    }
    volume = sum(
        m["ebs"]["volumeSize"]
        for m in templates[pool.inputs["launchTemplate"]["id"]].inputs["blockDeviceMappings"]
    )
    expected = 2 * (
        hourly * HOURS_PER_YEAR * util
        + volume * region.ebs_gp3_gb_month.amount_usd * MONTHS_PER_YEAR * util
    )
    (delta,) = result["cost_delta"]
    assert delta["component"].endswith("[GpuCluster]")
    assert delta["yearly_usd"] == pytest.approx(expected, abs=0.01)
    assert result["totals"]["yearly_usd"] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_the_diff_renders_as_text(cli, fmt):
    code, out, err = cli("diff", "poc-dev", "poc-staging", "--format", fmt)
    assert code == 0, err
    assert "Cost delta by component" in out


def test_fail_on_violation_exits_1_when_b_breaks_a_mandatory_rule(cli, monkeypatch):
    from pulumi_policy import EnforcementLevel, StackValidationPolicy

    import policies

    def always(args, report):
        report("deliberately failing rule")

    failing = StackValidationPolicy(
        name="test-99",
        description="fails",
        validate=always,
        enforcement_level=EnforcementLevel.MANDATORY,
    )
    code, _, _ = cli("diff", "poc-dev", "poc-dev", "--fail-on-violation")
    assert code == 0
    monkeypatch.setattr(policies, "POLICIES", [*policies.POLICIES, failing])
    code, _, err = cli("diff", "poc-dev", "poc-dev", "--fail-on-violation", "-f", "json")
    assert code == 1
    assert "1 mandatory policy violation(s) in poc-dev" in err


def test_bad_input_is_one_line_and_exit_1(cli):
    code, out, err = cli("diff", "poc-dev", "nope")
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "unknown stack 'nope'" in err
    code, _, err = cli("diff", "poc-dev", "poc-dev", "--format", "xml")
    assert code == 1 and "unknown value 'xml'" in err

"""aiplat check: policy pack and manifest validation over stacks, with a summary table."""

from __future__ import annotations

import json

import pytest

from aiplat.stackfiles import stack_names


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_passes_the_check(cli, stack):
    # One test per stack, so the two pytest workers share the stacks.
    code, out, err = cli("check", "--stack", stack, "--format", "json")
    assert code == 0, err
    (result,) = json.loads(out)
    assert result["stack"] == stack and result["resources"] > 0
    assert result["mandatory"] == [] and result["invalid_manifests"] == []


def test_check_all_reports_every_stack_in_order(cli, monkeypatch):
    import aiplat.stackfiles

    # every stack's check runs above; here, what --all adds: each stack, in the listed order
    monkeypatch.setattr(aiplat.stackfiles, "stack_names", lambda: ["poc-local", "poc-dev"])
    code, out, err = cli("check", "--all", "--format", "json")
    assert code == 0, err
    assert [r["stack"] for r in json.loads(out)] == ["poc-local", "poc-dev"]


def test_a_mandatory_violation_fails_the_check_with_exit_1(cli, monkeypatch):
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    import policies

    def no_buckets(args, report):
        if args.resource_type == "aws:s3/bucket:Bucket":
            report("no buckets allowed (test rule)")

    rule = ResourceValidationPolicy(
        name="test-01",
        description="t",
        validate=no_buckets,
        enforcement_level=EnforcementLevel.MANDATORY,
    )
    monkeypatch.setattr(policies, "POLICIES", [rule])
    code, out, err = cli("check", "--stack", "poc-dev")
    assert code == 1
    assert "check failed: poc-dev" in err
    assert "no buckets allowed" in out


def test_the_table_summary_names_the_stack(cli):
    code, out, _ = cli("check", "--stack", "intermediate-onprem", "--format", "md")
    assert code == 0
    assert "| stack | resources | mandatory | advisory | invalid manifests |" in out
    assert "| intermediate-onprem |" in out


def test_stack_and_all_together_are_one_line_exit_1(cli):
    code, out, err = cli("check", "--stack", "poc-dev", "--all")
    assert code == 1 and out == "" and err.strip().count("\n") == 0

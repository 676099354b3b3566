"""aiplat check: policy pack and manifest validation over stacks, with a summary table."""

from __future__ import annotations

import json

from aiplat.stackfiles import stack_names


def test_every_stack_passes_the_check(cli):
    code, out, err = cli("check", "--all", "--format", "json")
    assert code == 0, err
    results = json.loads(out)
    assert [r["stack"] for r in results] == stack_names()
    for r in results:
        assert r["resources"] > 0
        assert r["mandatory"] == [] and r["invalid_manifests"] == []


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

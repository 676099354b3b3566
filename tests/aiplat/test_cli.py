"""The aiplat CLI: data on stdout in the asked format, one clear error line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aiplat.cli.main import run
from aiplat.stackfiles import stack_names


def test_tiers_as_json_lists_every_aspect_for_the_four_tiers(cli):
    code, out, _ = cli("tiers", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert set(rows[0]) == {"aspect", "poc", "intermediate", "advanced", "expert"}
    servers = next(r for r in rows if r["aspect"] == "GPU servers (prod)")
    assert servers["poc"] < servers["intermediate"] < servers["advanced"] < servers["expert"]


@pytest.mark.parametrize("fmt", ["table", "csv", "md"])
def test_stacks_renders_every_stack_in_each_format(cli, fmt):
    code, out, _ = cli("stacks", "--format", fmt)
    assert code == 0
    for name in stack_names():
        assert name in out


@pytest.mark.parametrize("stack", stack_names())
def test_preview_json_lists_every_resource_with_the_documented_keys(cli, stack):
    code, out, err = cli("preview", "--stack", stack, "--format", "json")
    resources = json.loads(out)["resource_list"]
    assert code == 0, err
    assert resources
    for resource in resources:
        assert {"urn", "type", "name", "parent", "inputs"} <= set(resource)


def test_preview_markdown_shows_the_component_tree_and_node_pools(cli):
    code, out, _ = cli("preview", "--stack", "intermediate-prod", "--format", "md")
    assert code == 0
    assert out.startswith("# Offline preview: intermediate-prod")
    assert "**aiplat-use1** `aiplat:cluster:GpuCluster`" in out
    assert (
        "| aiplat-use1-training | p4d.24xlarge | AL2023_x86_64_NVIDIA | ON_DEMAND | 8 | 16 | 24 |"
        in out
    )
    assert "| nvidia-device-plugin | nvidia-device-plugin | 0.20.0 |" in out


def test_preview_table_writes_to_a_file_with_out(cli, tmp_path):
    target = tmp_path / "preview.txt"
    code, out, _ = cli("preview", "-s", "poc-dev", "-o", str(target))
    assert code == 0 and out == ""
    assert "aiplat-use1-system" in target.read_text()  # dev GPU pools are Karpenter NodePools


def write_stack(tmp_path, name: str, body: str) -> str:
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(body)
    return str(path)


BAD_INPUT = {
    "unknown stack": (None, "error: --stack: unknown stack 'nope'; fix: use one of: advanced-dev"),
    "unknown tier": (
        "config:\n  aiplat:tier: gold\n  aiplat:environment: dev\n",
        "error: aiplat:tier: Input should be",
    ),
    "unknown key": (
        "config:\n  aiplat:tier: poc\n  aiplat:environment: dev\n  aiplat:gpus: 4\n",
        "error: aiplat:gpus: unknown key",
    ),
    "negative count": (
        "config:\n  aiplat:tier: poc\n  aiplat:environment: dev\n  aiplat:gpuPools: {training: {maxNodes: -2}}\n",
        "error: aiplat:gpuPools.training.maxNodes: Input should be greater than or equal to 0 (got -2)",
    ),
    "min above max": (
        "config:\n  aiplat:tier: poc\n  aiplat:environment: dev\n  aiplat:gpuPools: {training: {minNodes: 3, maxNodes: 2}}\n",
        "error: aiplat:gpuPools.training: needs minNodes <= desiredNodes <= maxNodes",
    ),
    "no accelerator": (
        "config:\n  aiplat:tier: poc\n  aiplat:environment: dev\n  aiplat:gpuPools: {inference: {instanceType: m7i.xlarge}}\n",
        "error: aiplat:gpuPools.inference.instanceType: m7i.xlarge has no known accelerator",
    ),
    "malformed yaml": ("config:\n  aiplat:tier: [poc\n", "is not valid YAML at line"),
    "no config mapping": ("aiplat:tier: poc\n", "has no 'config:' mapping"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_one_error_line_and_exit_code_one(cli, tmp_path, monkeypatch, case):
    monkeypatch.delenv("AIPLAT_DEBUG", raising=False)
    body, expected = BAD_INPUT[case]
    stack = "nope" if body is None else write_stack(tmp_path, "bad", body)
    code, out, err = cli("preview", "--stack", stack)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err
    assert "fix: " in err


def test_aiplat_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("AIPLAT_DEBUG", "1")
    from tiers.errors import SpecError

    with pytest.raises(SpecError):
        run(["preview", "--stack", "nope"])


def test_the_installed_entry_point_reports_bad_input_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "aiplat", "preview", "--stack", "nope"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: --stack: unknown stack 'nope'")
    assert len(done.stderr.splitlines()) == 1

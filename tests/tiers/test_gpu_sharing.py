"""GPU sharing: time-slicing replicas and MIG profiles as pool data, rendered as one NVIDIA
device plugin config per pool that nodes select by label; bad input is one line, exit 1."""

from __future__ import annotations

import pytest
import yaml

from aiplat.harness import run_program
from aiplat.stackfiles import load
from components.values import nvidia_device_plugin as dp
from tiers import TIERS
from tiers.instances import CATALOG, MIG_PROFILES, mig_profiles
from tiers.model import GpuSharing, SharingMode


def stack_file(tmp_path, base: str, **values) -> str:
    stack = load(base)
    path = tmp_path / f"Pulumi.{base}.yaml"
    merged = dict(stack.values, **values)
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in merged.items()}}))
    return str(path)


@pytest.mark.parametrize(
    ("sharing", "expected"),
    [
        (GpuSharing(), {"version": "v1", "flags": {"migStrategy": "none"}}),
        (
            GpuSharing(mode=SharingMode.TIME_SLICING, replicas=4),
            {
                "version": "v1",
                "flags": {"migStrategy": "none"},
                "sharing": {
                    "timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 4}]}
                },
            },
        ),
        (
            GpuSharing(mode=SharingMode.MIG, mig_profile="1g.10gb"),
            {"version": "v1", "flags": {"migStrategy": "single"}},
        ),
    ],
    ids=["none", "time-slicing", "mig"],
)
def test_each_sharing_mode_renders_its_device_plugin_config(sharing, expected):
    assert dp.sharing_config(sharing) == expected


def test_nodes_select_their_pool_config_and_mig_nodes_their_layout_by_label():
    assert dp.sharing_labels("notebook", GpuSharing()) == {
        "nvidia.com/device-plugin.config": "notebook"
    }
    assert dp.sharing_labels("serve", GpuSharing(mode=SharingMode.MIG, mig_profile="3g.40gb")) == {
        "nvidia.com/device-plugin.config": "serve",
        "nvidia.com/mig.config": "all-3g.40gb",
    }


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (dict(mode=SharingMode.TIME_SLICING, replicas=0), "time-slicing replicas must be >= 1"),
        (dict(mode=SharingMode.MIG), "a MIG profile is set exactly when the sharing mode is mig"),
        (dict(mode=SharingMode.NONE, replicas=2), "replicas apply only to time-slicing"),
    ],
)
def test_a_sharing_spec_refuses_contradictions(bad, problem):
    with pytest.raises(ValueError, match=problem):
        GpuSharing(**bad)


def test_mig_profiles_exist_only_for_a100_h100_and_h200_instances():
    with_mig = {name for name, it in CATALOG.items() if mig_profiles(it)}
    assert with_mig == {
        "p4d.24xlarge",
        "p4de.24xlarge",
        "p5.48xlarge",
        "p5e.48xlarge",
        "p5en.48xlarge",
    }
    assert mig_profiles(CATALOG["p4d.24xlarge"])[0] == "1g.5gb"  # A100 40GB
    assert "7g.80gb" in mig_profiles(CATALOG["p5.48xlarge"])  # H100 80GB
    for (gpu, memory), profiles in MIG_PROFILES.items():
        # the whole-GPU profile is 7 compute slices over all the memory
        assert profiles[-1] == f"7g.{memory}gb", gpu


def test_every_tier_shares_its_notebook_gpus_by_time_slicing():
    for spec in TIERS.values():
        (notebook,) = [p for p in spec.gpu_pools if p.name == "notebook"]
        assert notebook.sharing.mode is SharingMode.TIME_SLICING and notebook.sharing.replicas >= 2


@pytest.mark.parametrize("stack", ["poc-prod", "poc-dev"])
def test_the_device_plugin_gets_one_config_per_pool_and_every_gpu_node_names_its_own(
    capture, stack
):
    cap = capture(stack, False)
    (release,) = [
        r
        for r in cap.of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["name"] == "nvidia-device-plugin"
    ]
    config = release.inputs["values"]["config"]
    assert config["default"] == "default"
    assert set(config["map"]) == {"default", "notebook", "training", "inference"}
    notebook = yaml.safe_load(config["map"]["notebook"])
    assert notebook["sharing"]["timeSlicing"]["resources"] == [
        {"name": "nvidia.com/gpu", "replicas": 4}
    ]
    labels = [
        g.inputs["labels"]
        for g in cap.of_type("aws:eks/nodeGroup:NodeGroup")
        if g.inputs.get("taints")
    ] + [
        p.inputs["spec"]["template"]["metadata"]["labels"]
        for p in cap.of_type("kubernetes:karpenter.sh/v1:NodePool")
    ]
    assert len(labels) == 3
    for node_labels in labels:
        assert node_labels[dp.CONFIG_LABEL] == node_labels["aiplat.io/pool"]


def test_a_mig_pool_renders_the_single_strategy_and_labels_its_nodes_with_the_layout():
    values = dict(
        load("intermediate-prod").engine_values(),
        gpuPools={"training": {"sharing": {"mode": "mig", "migProfile": "3g.20gb"}}},
    )
    cap = run_program("intermediate-prod", values, preview=False)
    (release,) = [
        r
        for r in cap.of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["name"] == "nvidia-device-plugin"
    ]
    assert yaml.safe_load(release.inputs["values"]["config"]["map"]["training"])["flags"] == {
        "migStrategy": "single"
    }
    (group,) = [
        g for g in cap.of_type("aws:eks/nodeGroup:NodeGroup") if g.name == "aiplat-use1-training"
    ]
    assert group.inputs["labels"]["nvidia.com/mig.config"] == "all-3g.20gb"


@pytest.mark.parametrize(
    ("pools", "expected"),
    [
        (
            {"notebook": {"sharing": {"mode": "time-slicing", "replicas": 0}}},
            "error: aiplat:gpuPools.notebook.sharing.replicas: Input should be greater than or "
            "equal to 1 (got 0)",
        ),
        (
            {"inference": {"sharing": {"mode": "mig", "migProfile": "1g.10gb"}}},
            "error: aiplat:gpuPools.inference.sharing.migProfile: g6.xlarge (L4 22GB) does not "
            "support MIG profile '1g.10gb'; fix: use time-slicing, or an A100/H100/H200",
        ),
        (
            {"notebook": {"sharing": {"mode": "time-slicing"}}},
            "error: aiplat:gpuPools.notebook.sharing.replicas: time-slicing needs replicas",
        ),
        (
            {"notebook": {"sharing": {"mode": "slicing"}}},
            "error: aiplat:gpuPools.notebook.sharing.mode: Input should be 'none', 'time-slicing' or 'mig'",
        ),
    ],
    ids=["replicas 0", "no MIG on L4", "no replicas", "unknown mode"],
)
def test_bad_sharing_input_gets_one_line_and_exit_1(cli, tmp_path, pools, expected):
    path = stack_file(tmp_path, "intermediate-prod", gpuPools=pools)
    code, out, err = cli("preflight", "--stack", path)
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0
    assert err.startswith(expected), err


def test_an_80gb_profile_on_an_a100_40gb_pool_is_refused_with_the_supported_list(cli, tmp_path):
    pools = {"training": {"sharing": {"mode": "mig", "migProfile": "3g.40gb"}}}
    path = stack_file(tmp_path, "intermediate-prod", gpuPools=pools)
    code, out, err = cli("preflight", "--stack", path)
    assert code == 1 and out == ""
    assert err.strip() == (
        "error: aiplat:gpuPools.training.sharing.migProfile: p4d.24xlarge (A100 40GB) does not "
        "support MIG profile '3g.40gb'; fix: use one of: 1g.5gb, 1g.10gb, 2g.10gb, 3g.20gb, "
        "4g.20gb, 7g.40gb"
    )

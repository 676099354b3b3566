"""A cluster you bring: the NVIDIA device plugin shares GPUs per pool as the tier asks
(notebook pools time-slice); nodes pick their pool's config by label."""

from __future__ import annotations

import pytest
import yaml


@pytest.mark.parametrize("stack", ["poc-local", "intermediate-onprem"])
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_the_device_plugin_time_slices_the_notebook_pool(capture, stack, preview):
    (plugin,) = [
        r
        for r in capture(stack, preview).of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["name"] == "nvidia-device-plugin"
    ]
    config = plugin.inputs["values"]["config"]
    assert config["default"] in config["map"]
    notebook = yaml.safe_load(config["map"]["notebook"])
    (shared,) = notebook["sharing"]["timeSlicing"]["resources"]
    assert shared["name"] == "nvidia.com/gpu" and shared["replicas"] == 4

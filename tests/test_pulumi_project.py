"""Pulumi.yaml declares exactly the keys the stack config model accepts, with defaults
the model reads as its own."""

from __future__ import annotations

from pathlib import Path

import yaml

from aiplat.stackfiles import PROJECT_DIR, project_defaults
from tiers.stack_config import StackConfig, from_namespaced, parse_config

PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())


def test_the_project_runs_python_from_the_dot_venv_with_stacks_in_stacks_dir():
    assert PROJECT["name"] == "aiplat"
    assert PROJECT["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }
    assert PROJECT["stackConfigDir"] == "stacks"
    assert (PROJECT_DIR / PROJECT["stackConfigDir"]).is_dir()
    assert Path(PROJECT_DIR / "__main__.py").exists()


def test_every_config_key_is_declared_with_a_type_and_nothing_else_is():
    declared = from_namespaced(PROJECT["config"])
    assert set(declared) == set(StackConfig.model_fields)
    assert all("type" in spec and "description" in spec for spec in declared.values())
    arrays = [spec for spec in declared.values() if spec["type"] == "array"]
    assert all(spec["items"] == {"type": "string"} for spec in arrays)


def test_only_tier_and_environment_are_required():
    declared = from_namespaced(PROJECT["config"])
    assert {k for k, spec in declared.items() if "default" not in spec} == {"tier", "environment"}


def test_pulumi_yaml_defaults_mean_the_same_as_leaving_the_keys_out():
    base = {"tier": "advanced", "environment": "staging"}
    assert parse_config({**project_defaults(), **base}) == parse_config(base)

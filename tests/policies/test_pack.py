"""The pack's shape: ids of the security-checks table, enforcement levels, and a CrossGuard
entry point (read as text, never run: constructing the PolicyPack starts a server)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml
from pulumi_policy import EnforcementLevel

from policies import POLICIES

PACK = Path(__file__).resolve().parents[2] / "policies"


def test_policy_names_are_the_table_ids_and_unique():
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"(eks|node|iam|kms|s3|data|msk|k8s)-\d\d", n) for n in names)


def test_only_access_logging_is_advisory():
    advisory = {p.name for p in POLICIES if p.enforcement_level is EnforcementLevel.ADVISORY}
    assert advisory == {"s3-05"}
    assert all(p.enforcement_level is not None for p in POLICIES)


def test_the_pack_entry_point_builds_the_pack_from_the_same_policies():
    tree = ast.parse((PACK / "__main__.py").read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    pack = [c for c in calls if getattr(c.func, "id", None) == "PolicyPack"]
    assert len(pack) == 1
    assert {k.arg for k in pack[0].keywords} >= {"name", "policies"}
    assert yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())["runtime"] == "python"


def test_importing_the_pack_does_not_construct_a_policy_pack():
    source = (PACK / "__init__.py").read_text()
    assert "PolicyPack(" not in source

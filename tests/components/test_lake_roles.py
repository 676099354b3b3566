"""Secondary regions reach the one lake through their own IRSA roles: one per consumer,
trusting only that consumer's service account on the region's own cluster (IAM-02), with
exactly the primary role's permissions; the region's service accounts carry them."""

from __future__ import annotations

import json

import pytest

from aiplat.harness import Capture, CapturedResource
from components.lake_access import IRSA_ANNOTATION
from components.lakehouse import CONSUMERS

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
ROLES = "aiplat:lake:LakeRoles"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
SA = "kubernetes:core/v1:ServiceAccount"


def children(cap: Capture, parent: CapturedResource, type_: str) -> list[CapturedResource]:
    return [r for r in cap.of_type(type_) if r.parent == parent.urn]


@both_modes
def test_the_secondary_region_has_one_role_per_lake_consumer(capture, preview):
    cap = capture("expert-prod", preview)
    (roles,) = cap.of_type(ROLES)
    assert roles.name == "aiplat-eun1-lake-roles"
    names = {r.name.removeprefix("aiplat-eun1-lake-roles-") for r in children(cap, roles, ROLE)}
    assert names == set(CONSUMERS)


def test_each_role_trusts_only_its_service_account_on_the_secondary_cluster(capture):
    cap = capture("expert-prod", False)
    (roles,) = cap.of_type(ROLES)
    (oidc,) = [o for o in cap.of_type(OIDC) if "eun1" in o.name]
    for role in children(cap, roles, ROLE):
        consumer = CONSUMERS[role.name.removeprefix("aiplat-eun1-lake-roles-")]
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Federated": oidc.outputs["arn"]}
        (sub,) = [
            v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")
        ]
        assert sub == f"system:serviceaccount:{consumer.namespace}:{consumer.service_account}"
        assert "eu-north-1" in next(iter(statement["Condition"]["StringEquals"]))


def test_each_role_has_exactly_the_primary_roles_permissions(capture):
    cap = capture("expert-prod", False)
    (roles,) = cap.of_type(ROLES)
    primary = {p.name: p for p in cap.of_type(POLICY) if p.name.startswith("aiplat-use1-lake-")}
    for policy in children(cap, roles, POLICY):
        consumer = policy.name.removeprefix("aiplat-eun1-lake-roles-")
        assert policy.inputs["policy"] == primary[f"aiplat-use1-lake-{consumer}"].inputs["policy"]
        document = json.loads(policy.inputs["policy"])
        glue = [a for s in document["Statement"] for a in _list(s["Resource"]) if ":glue:" in a]
        assert all(":glue:us-east-1:" in a for a in glue)  # the one catalog, in the primary


def _list(value):
    return value if isinstance(value, list) else [value]


def test_the_secondary_service_accounts_carry_the_secondary_roles(capture):
    cap = capture("expert-prod", False)
    (roles,) = cap.of_type(ROLES)
    arns = {
        r.name.removeprefix("aiplat-eun1-lake-roles-"): r.outputs["arn"]
        for r in children(cap, roles, ROLE)
    }
    accounts = {
        (a.inputs["metadata"]["namespace"], a.inputs["metadata"]["name"]): a
        for a in cap.of_type(SA)
        if a.name.startswith("aiplat-eun1-")
    }
    for consumer in ("spark", "pipelines", "serving-log-writer", "clickhouse"):
        spec = CONSUMERS[consumer]
        account = accounts[(spec.namespace, spec.service_account)]
        assert account.inputs["metadata"]["annotations"][IRSA_ANNOTATION] == arns[consumer]


def test_a_single_region_stack_has_no_secondary_roles(capture):
    assert not capture("advanced-prod", True).of_type(ROLES)

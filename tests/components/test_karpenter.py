"""Karpenter: NodePool + EC2NodeClass per Karpenter pool (valid against the pinned CRDs),
the controller's scoped IAM (IAM-02, IAM-03), its interruption queue and rules, node access,
and the reserved / EFA paths on both provisioners."""

from __future__ import annotations

import json

import pytest

from aiplat.harness import run_program
from aiplat.manifests import crd_dir, manifests, validate
from aiplat.stackfiles import load, stack_names_for
from components import iam_karpenter
from components.values import karpenter as kv
from tiers import pins
from tiers.model import Provisioner, Target

AWS_STACKS = stack_names_for(Target.AWS)
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
both_modes = pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
needs_crds = pytest.mark.skipif(
    not (crd_dir() / "karpenter.sh_nodepools.yaml").exists(),
    reason=f"Karpenter CRD schemas not found in {crd_dir()} (../shared/crds)",
)


def karpenter_pools(stack: str) -> set[str]:
    return {
        p.name for p in load(stack).resolve().gpu_pools if p.provisioner is Provisioner.KARPENTER
    }


def by_name(cap, type_: str, name: str):
    (found,) = [r for r in cap.of_type(type_) if r.name == name]
    return found


def override(stack: str, **pools) -> dict:
    return dict(load(stack).engine_values(), gpuPools=pools)


@pytest.mark.parametrize("stack", AWS_STACKS)
@both_modes
def test_each_karpenter_pool_gets_a_node_pool_and_node_class_and_no_node_group(
    capture, stack, preview
):
    cap = capture(stack, preview)
    elastic = karpenter_pools(stack)
    pools = {r.inputs["metadata"]["name"] for r in cap.of_type(NODE_POOL)}
    classes = {r.inputs["metadata"]["name"] for r in cap.of_type(NODE_CLASS)}
    assert pools == classes == elastic
    groups = {
        g.inputs["labels"].get("aiplat.io/pool") for g in cap.of_type("aws:eks/nodeGroup:NodeGroup")
    }
    assert not groups & elastic
    assert "system" in groups
    controllers = [
        r for r in cap.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "karpenter"
    ]
    regions = load(stack).resolve().regions
    assert len(controllers) == (len(regions) if elastic else 0)  # one controller per cluster


def test_dev_and_staging_gpu_pools_are_on_karpenter_and_prod_keeps_node_groups():
    for stack in AWS_STACKS:
        pools = load(stack).resolve().gpu_pools
        expected = Provisioner.MANAGED if stack.endswith("-prod") else Provisioner.KARPENTER
        assert {p.provisioner for p in pools} == {expected}, stack
        if stack.endswith("-dev"):
            assert all(p.min_nodes == 0 for p in pools), "dev GPU pools scale to zero"


@needs_crds
@pytest.mark.parametrize("stack", AWS_STACKS)
@both_modes
def test_node_pools_and_node_classes_validate_against_the_karpenter_crds(capture, stack, preview):
    found = [m for m in manifests(capture(stack, preview)) if m.group.startswith("karpenter")]
    regions = len(load(stack).resolve().regions)
    assert len(found) == 2 * len(karpenter_pools(stack)) * regions
    for manifest in found:
        assert validate(manifest, "1.35") == [], manifest.name


@needs_crds
def test_the_crd_check_catches_a_misspelled_field(capture):
    (manifest,) = [m for m in manifests(capture("poc-dev", False)) if m.kind == "NodePool"][:1]
    manifest.body["spec"]["disruption"]["consolidationPolicyy"] = "WhenEmpty"
    assert validate(manifest, "1.35")


@pytest.mark.parametrize("stack", ["poc-dev", "expert-staging"])
def test_iam_03_the_controller_policy_scopes_every_resource_it_can(capture, stack):
    cap = capture(stack, False)
    policy = by_name(cap, ROLE_POLICY, "aiplat-use1-karpenter-controller")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    unscoped = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert all("*" not in a for a in actions), statement["Sid"]
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        if "*" in resources:
            unscoped.add(statement["Sid"])
            assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in actions)
    assert unscoped == set(iam_karpenter.UNSCOPED)
    names = {s["Sid"] for s in statements}
    assert {"AllowScopedDeletion", "AllowPassingInstanceRole"} <= names
    for statement in statements:
        if statement["Sid"] in ("AllowScopedDeletion", "AllowScopedEC2LaunchTemplateAccessActions"):
            owned = statement["Condition"]["StringEquals"]
            cluster = f"aws:ResourceTag/kubernetes.io/cluster/aiplat-{stack}-use1"
            assert owned == {cluster: "owned"}


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_iam_02_the_controller_role_trusts_only_kube_system_karpenter(capture, preview):
    cap = capture("intermediate-dev", preview)
    role = by_name(cap, "aws:iam/role:Role", "aiplat-use1-karpenter-controller")
    if preview:
        assert by_name(cap, ROLE_POLICY, "aiplat-use1-karpenter-controller")
        return
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    equals = statement["Condition"]["StringEquals"]
    subjects = [v for k, v in equals.items() if k.endswith(":sub")]
    assert subjects == ["system:serviceaccount:kube-system:karpenter"]
    release = next(
        r for r in cap.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "karpenter"
    )
    values = release.inputs["values"]
    assert (
        values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == role.outputs["arn"]
    )
    assert release.inputs["version"] == pins.KARPENTER.version
    assert release.inputs["namespace"] == kv.NAMESPACE


def test_the_interruption_queue_is_encrypted_and_fed_by_the_four_documented_events(capture):
    cap = capture("advanced-dev", False)
    queue = by_name(cap, "aws:sqs/queue:Queue", "aiplat-use1-karpenter-interruption")
    assert queue.inputs["sqsManagedSseEnabled"] is True
    rules = [r for r in cap.of_type("aws:cloudwatch/eventRule:EventRule") if "karpenter" in r.name]
    detail_types = {json.loads(r.inputs["eventPattern"])["detail-type"][0] for r in rules}
    assert detail_types == {
        "EC2 Spot Instance Interruption Warning",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "AWS Health Event",
    }
    targets = [
        t for t in cap.of_type("aws:cloudwatch/eventTarget:EventTarget") if "karpenter" in t.name
    ]
    assert len(targets) == 4 and {t.inputs["arn"] for t in targets} == {queue.outputs["arn"]}
    release = next(
        r for r in cap.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "karpenter"
    )
    assert release.inputs["values"]["settings"]["interruptionQueue"] == queue.inputs["name"]


def test_karpenter_nodes_join_through_an_ec2_linux_access_entry_with_node_policies_only(capture):
    cap = capture("poc-dev", False)
    role = by_name(cap, "aws:iam/role:Role", "aiplat-use1-karpenter-node")
    entry = by_name(cap, "aws:eks/accessEntry:AccessEntry", "aiplat-use1-karpenter-node")
    assert entry.inputs["type"] == "EC2_LINUX"
    assert entry.inputs["principalArn"] == role.outputs["arn"]
    attached = {
        a.inputs["policyArn"].rsplit("/", 1)[-1]
        for a in cap.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("aiplat-use1-karpenter-node-")
    }
    assert attached == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryReadOnly",
    }


@both_modes
def test_node_classes_require_imdsv2_encrypt_with_the_volume_key_and_find_subnets_by_tag(
    capture, preview
):
    cap = capture("intermediate-staging", preview)
    cluster = "aiplat-intermediate-staging-use1"
    key = by_name(cap, "aws:kms/key:Key", "aiplat-use1-volumes")
    for node_class in cap.of_type(NODE_CLASS):
        spec = node_class.inputs["spec"]
        assert spec["metadataOptions"]["httpTokens"] == "required"
        assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
        (volume,) = spec["blockDeviceMappings"]
        assert volume["ebs"]["encrypted"] is True and volume["ebs"]["volumeType"] == "gp3"
        if not preview:
            assert volume["ebs"]["kmsKeyID"] == key.outputs["arn"]
        release = pins.EKS_NODE_RELEASE_VERSIONS["1.35"].rsplit("-", 1)[-1]
        assert spec["amiSelectorTerms"] == [{"alias": f"al2023@v{release}"}]
        assert spec["subnetSelectorTerms"] == [{"tags": {kv.DISCOVERY_TAG: cluster}}]
        assert {kv.DISCOVERY_TAG: cluster} in [
            t["tags"] for t in spec["securityGroupSelectorTerms"]
        ]
        assert spec["role"] == f"{cluster}-karpenter-node"
    private = [s for s in cap.of_type("aws:ec2/subnet:Subnet") if "-private-" in s.name]
    assert private and all(s.inputs["tags"][kv.DISCOVERY_TAG] == cluster for s in private)
    (tag,) = cap.of_type("aws:ec2/tag:Tag")
    assert (tag.inputs["key"], tag.inputs["value"]) == (kv.DISCOVERY_TAG, cluster)


def test_node_pools_taint_gpus_limit_by_max_size_and_consolidate_by_role(capture):
    cap = capture("advanced-dev", False)
    platform = load("advanced-dev").resolve()
    expected_policy = {
        "training": "WhenEmpty",
        "notebook": "WhenEmpty",
        "batch": "WhenEmptyOrUnderutilized",
        "inference": "WhenEmptyOrUnderutilized",
    }
    for pool in platform.gpu_pools:
        spec = by_name(cap, NODE_POOL, f"aiplat-use1-karpenter-{pool.name}").inputs["spec"]
        template = spec["template"]["spec"]
        assert template["taints"] == [
            {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}
        ]
        assert spec["limits"] == {
            "cpu": str(pool.max_nodes * pool.instance.vcpus),
            "nvidia.com/gpu": str(pool.max_nodes * pool.instance.accelerators),
        }
        assert spec["disruption"]["consolidationPolicy"] == expected_policy[pool.name]
        assert spec["disruption"]["budgets"]
        requirements = {r["key"]: r["values"] for r in template["requirements"]}
        assert requirements["karpenter.sh/capacity-type"] == ["spot", "on-demand"]  # dev: spot
        assert requirements["node.kubernetes.io/instance-type"] == [pool.instance.name]


def test_a_karpenter_training_pool_reserves_capacity_by_tag_with_efa_in_one_zone():
    values = override(
        "intermediate-prod",
        training={
            "provisioner": "karpenter",
            "capacityReservation": {"kind": "capacity-block", "tags": {"team": "research"}},
        },
    )
    cap = run_program("intermediate-prod", values, preview=False)
    pool = by_name(cap, NODE_POOL, "aiplat-use1-karpenter-training").inputs["spec"]
    node_class = by_name(cap, NODE_CLASS, "aiplat-use1-karpenter-training-class").inputs["spec"]
    requirements = {r["key"]: r["values"] for r in pool["template"]["spec"]["requirements"]}
    assert requirements["karpenter.sh/capacity-type"] == ["reserved"]
    assert requirements["topology.kubernetes.io/zone"] == ["us-east-1a"]
    assert node_class["capacityReservationSelectorTerms"] == [{"tags": {"team": "research"}}]
    interfaces = node_class["networkInterfaces"]
    assert sum(i["interfaceType"] == "efa-only" for i in interfaces) == 4  # p4d: 4 network cards
    assert node_class["placementGroupSelector"] == {
        "name": "aiplat-intermediate-prod-use1-training"
    }
    assert {kv.EFA_TAG: "aiplat-intermediate-prod-use1"} in [
        t["tags"] for t in node_class["securityGroupSelectorTerms"]
    ]
    if (crd_dir() / "karpenter.k8s.aws_ec2nodeclasses.yaml").exists():
        for manifest in manifests(cap):
            if manifest.group.startswith("karpenter"):
                assert validate(manifest, "1.35") == [], manifest.name


def test_a_managed_training_pool_launches_into_its_capacity_block_by_id():
    values = override(
        "intermediate-prod",
        training={"capacityReservation": {"kind": "capacity-block", "id": "cr-0abc123"}},
    )
    cap = run_program("intermediate-prod", values, preview=False)
    group = by_name(cap, "aws:eks/nodeGroup:NodeGroup", "aiplat-use1-training")
    template = by_name(cap, "aws:ec2/launchTemplate:LaunchTemplate", "aiplat-use1-training")
    assert group.inputs["capacityType"] == "CAPACITY_BLOCK"
    assert template.inputs["instanceMarketOptions"] == {"marketType": "capacity-block"}
    target = template.inputs["capacityReservationSpecification"]["capacityReservationTarget"]
    assert target == {"capacityReservationId": "cr-0abc123"}


def test_an_on_demand_capacity_reservation_keeps_the_on_demand_node_group():
    values = override(
        "intermediate-prod",
        training={"capacityReservation": {"kind": "capacity-reservation", "id": "cr-0abc123"}},
    )
    cap = run_program("intermediate-prod", values, preview=False)
    group = by_name(cap, "aws:eks/nodeGroup:NodeGroup", "aiplat-use1-training")
    template = by_name(cap, "aws:ec2/launchTemplate:LaunchTemplate", "aiplat-use1-training")
    assert group.inputs["capacityType"] == "ON_DEMAND"
    assert "instanceMarketOptions" not in template.inputs


@pytest.mark.parametrize(
    ("pools", "expected"),
    [
        (
            {"training": {"provisioner": "fargate"}},
            "error: aiplat:gpuPools.training.provisioner: Input should be 'managed' or 'karpenter'",
        ),
        (
            {"training": {"capacityReservation": {"kind": "capacity-block", "tags": {"a": "b"}}}},
            "error: aiplat:gpuPools.training.capacityReservation: a managed node group targets "
            "its reservation by id",
        ),
        (
            {"training": {"capacityType": "RESERVED"}},
            "error: aiplat:gpuPools.training.capacityReservation: capacityType RESERVED needs a "
            "capacity reservation or capacity block",
        ),
        (
            {"training": {"capacityReservation": {"kind": "capacity-block", "id": "r-1"}}},
            "error: aiplat:gpuPools.training.capacityReservation.id: String should match pattern",
        ),
    ],
    ids=["unknown provisioner", "managed by tags", "reserved without reservation", "bad id"],
)
def test_bad_provisioner_or_reservation_input_gets_one_line_and_exit_1(
    cli, tmp_path, pools, expected
):
    path = stack_file(tmp_path, "intermediate-prod", gpuPools=pools)
    code, out, err = cli("preflight", "--stack", path)
    assert code == 1 and out == ""
    assert err.startswith(expected), err
    assert err.strip().count("\n") == 0


def test_karpenter_on_an_existing_cluster_is_refused_in_one_line(cli, tmp_path):
    path = stack_file(tmp_path, "poc-local", gpuPools={"training": {"provisioner": "karpenter"}})
    code, _, err = cli("preflight", "--stack", path)
    assert code == 1
    assert err.startswith(
        "error: aiplat:gpuPools.training: provisioner and capacityReservation (Karpenter, EC2 "
        "capacity) apply only to target aws"
    )
    assert err.strip().count("\n") == 0


def stack_file(tmp_path, base: str, **values) -> str:
    import yaml

    stack = load(base)
    path = tmp_path / f"Pulumi.{base}.yaml"
    merged = dict(stack.values, **values)
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in merged.items()}}))
    return str(path)


def test_preview_summary_shows_each_gpu_pools_provisioner_capacity_limits_and_sharing():
    from aiplat.summary import platform_summary

    rows = dict(platform_summary(load("poc-dev").resolve()))
    assert rows["GPU pool notebook"] == (
        "karpenter, spot, g6.xlarge 0..1 nodes (max 1 GPUs, 4 vCPUs), sharing time-slicing x4"
    )
    rows = dict(platform_summary(load("advanced-prod").resolve()))
    assert rows["GPU pool training"] == (
        "managed, on-demand, p5.48xlarge 16..64 nodes (max 512 GPUs, 12288 vCPUs), sharing none"
    )

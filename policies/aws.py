"""EKS-01..05, NODE-01..04, IAM-01..03 and KMS-01 of security-checks.md.

Resource policies read one resource's inputs; stack policies link resources the way the
program does (a node group names its launch template by id, a cluster its key by ARN).
"""

from __future__ import annotations

from policies._common import (
    as_list,
    ident,
    of_type,
    resource_policy,
    stack_policy,
    statements,
)
from tiers import pins
from tiers.instances import CATALOG

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"
KMS_KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ACCESS_POLICY = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
FIVE_LOG_TYPES = frozenset({"api", "audit", "authenticator", "controllerManager", "scheduler"})
EKS_OPTIMIZED_AMI_TYPES = frozenset(
    {
        "AL2023_x86_64_STANDARD",
        "AL2023_ARM_64_STANDARD",
        "AL2023_x86_64_NVIDIA",
        "AL2023_ARM_64_NVIDIA",
        "AL2023_x86_64_NEURON",
        "BOTTLEROCKET_x86_64",
        "BOTTLEROCKET_ARM_64",
        "BOTTLEROCKET_x86_64_NVIDIA",
        "BOTTLEROCKET_ARM_64_NVIDIA",
    }
)
NODE_POLICIES = frozenset(
    {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }
)
FORBIDDEN_MANAGED = frozenset(
    {"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"}
)
# Actions AWS cannot scope to a resource: ``Resource: "*"`` is the only form they take.
UNRESTRICTABLE_PREFIXES = ("Describe", "List")
UNRESTRICTABLE = frozenset(
    {"sts:GetCallerIdentity", "ecr:GetAuthorizationToken", "pricing:GetProducts"}
)


def _eks_01(args, report) -> None:
    vpc = args.props.get("vpcConfig") or {}
    if vpc.get("endpointPrivateAccess") is not True:
        report("the API server endpoint must be private (vpcConfig.endpointPrivateAccess=true)")
    if vpc.get("endpointPublicAccess") is not False:
        cidrs = vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]
        if "0.0.0.0/0" in cidrs:
            report("the public API endpoint is open to 0.0.0.0/0 (set endpointPublicAccess=false)")


def _eks_03(args, report) -> None:
    missing = FIVE_LOG_TYPES - set(args.props.get("enabledClusterLogTypes") or [])
    if missing:
        report(f"control plane log types not enabled: {', '.join(sorted(missing))}")


def _eks_05(args, report) -> None:
    version = args.props.get("version")
    if version not in pins.EKS_NODE_RELEASE_VERSIONS:
        supported = ", ".join(sorted(pins.EKS_NODE_RELEASE_VERSIONS))
        report(f"kubernetes version {version!r} is not a pinned supported one ({supported})")


def _eks_02(args, report) -> None:
    keys = {k.props.get("arn") for k in of_type(args.resources, KMS_KEY)}
    for cluster in of_type(args.resources, CLUSTER):
        configs = as_list(cluster.props.get("encryptionConfig"))
        config = configs[0] if configs else {}
        if "secrets" not in as_list(config.get("resources")):
            report("secrets are not envelope-encrypted (encryptionConfig.resources)", cluster.urn)
        elif (config.get("provider") or {}).get("keyArn") not in keys:
            report("secrets are not encrypted with a customer KMS key of the stack", cluster.urn)


def _eks_04(args, report) -> None:
    entries = of_type(args.resources, ACCESS_ENTRY)
    associations = of_type(args.resources, ACCESS_POLICY)
    for cluster in of_type(args.resources, CLUSTER):
        access = cluster.props.get("accessConfig") or {}
        if access.get("authenticationMode") != "API":
            report("authenticationMode must be API (Cluster Access Manager)", cluster.urn)
        if access.get("bootstrapClusterCreatorAdminPermissions") is not False:
            report("bootstrapClusterCreatorAdminPermissions must be false", cluster.urn)
        name = cluster.props.get("name")
        # Node entries (EC2_LINUX, for Karpenter's node role) take no access policy: only
        # STANDARD entries (people and roles) need one.
        principals = {
            e.props.get("principalArn")
            for e in entries
            if e.props.get("clusterName") == name
            and (e.props.get("type") or "STANDARD") == "STANDARD"
        }
        granted = {
            p.props.get("principalArn") for p in associations if p.props.get("clusterName") == name
        }
        if not principals:
            report(f"cluster {name}: no explicit access entry", cluster.urn)
        elif principals != granted:
            report(f"cluster {name}: access entries without an access policy", cluster.urn)


def _node_01(args, report) -> None:
    metadata = args.props.get("metadataOptions") or {}
    if metadata.get("httpTokens") != "required":
        report("instance metadata must require tokens (metadataOptions.httpTokens=required)")
    if metadata.get("httpPutResponseHopLimit") != 1:
        report("instance metadata hop limit must be 1 (pods cannot reach node credentials)")


def _templates(args) -> dict:
    return {ident(t): t for t in of_type(args.resources, LAUNCH_TEMPLATE)}


def _node_02(args, report) -> None:
    subnets = of_type(args.resources, SUBNET)
    private = {
        ident(s)
        for s in subnets
        if (s.props.get("tags") or {}).get("kubernetes.io/role/internal-elb") == "1"
        and not s.props.get("mapPublicIpOnLaunch")
    }
    templates = _templates(args)
    for group in of_type(args.resources, NODE_GROUP):
        outside = set(as_list(group.props.get("subnetIds"))) - private
        if outside:
            report(f"node group in non-private subnets: {sorted(map(str, outside))}", group.urn)
        if group.props.get("remoteAccess"):
            report("node group allows remote (SSH) access", group.urn)
        template = templates.get((group.props.get("launchTemplate") or {}).get("id"))
        for nic in as_list(template.props.get("networkInterfaces") if template else None):
            if str(nic.get("associatePublicIpAddress")).lower() == "true":
                report("node launch template associates a public IP", group.urn)


def _node_03(args, report) -> None:
    keys = {k.props.get("arn") for k in of_type(args.resources, KMS_KEY)}
    templates = _templates(args)
    for group in of_type(args.resources, NODE_GROUP):
        template = templates.get((group.props.get("launchTemplate") or {}).get("id"))
        if template is None:
            report("node group has no launch template of the stack", group.urn)
            continue
        mappings = as_list(template.props.get("blockDeviceMappings"))
        if not mappings:
            report("node launch template declares no (encrypted) block device", template.urn)
        for mapping in mappings:
            ebs = mapping.get("ebs") or {}
            if str(ebs.get("encrypted")).lower() != "true":
                report(f"volume {mapping.get('deviceName')} is not encrypted", template.urn)
            elif ebs.get("kmsKeyId") not in keys:
                report(
                    f"volume {mapping.get('deviceName')} is not encrypted with a customer key",
                    template.urn,
                )


def _node_04(args, report) -> None:
    versions = {
        c.props.get("name"): c.props.get("version") for c in of_type(args.resources, CLUSTER)
    }
    for group in of_type(args.resources, NODE_GROUP):
        props = group.props
        if props.get("amiType") not in EKS_OPTIMIZED_AMI_TYPES:
            report(
                f"amiType {props.get('amiType')!r} is not EKS-optimized or Bottlerocket", group.urn
            )
        wanted = pins.EKS_NODE_RELEASE_VERSIONS.get(versions.get(props.get("clusterName")))
        if not props.get("releaseVersion") or props.get("releaseVersion") != wanted:
            report(
                f"releaseVersion {props.get('releaseVersion')!r} is not the pinned {wanted!r}",
                group.urn,
            )
        accelerated = any(
            t in CATALOG and CATALOG[t].is_accelerated for t in as_list(props.get("instanceTypes"))
        )
        taints = as_list(props.get("taints"))
        if accelerated and not any(t.get("effect") == "NO_SCHEDULE" for t in taints):
            report("GPU node group carries no NO_SCHEDULE taint", group.urn)


def _trusts(role, service: str) -> bool:
    return any(
        service in as_list((s.get("Principal") or {}).get("Service"))
        for s in statements(role.props.get("assumeRolePolicy"))
        if isinstance(s.get("Principal"), dict)
    )


def _iam_01(args, report) -> None:
    attachments = of_type(args.resources, ATTACHMENT)
    inline = of_type(args.resources, ROLE_POLICY)
    roles = of_type(args.resources, ROLE)
    node_roles = [r for r in roles if _trusts(r, "ec2.amazonaws.com")]
    node_arns = {r.props.get("arn") for r in node_roles}
    for group in of_type(args.resources, NODE_GROUP):
        if group.props.get("nodeRoleArn") not in node_arns:
            report("node group role is not an EC2 node role of the stack", group.urn)
    for role in node_roles:
        refs = {ident(role), role.props.get("name"), role.props.get("arn")}
        attached = {a.props.get("policyArn") for a in attachments if a.props.get("role") in refs}
        extra = attached - NODE_POLICIES
        if extra:
            report(f"node role carries more than the node policies: {sorted(extra)}", role.urn)
        if any(p.props.get("role") in refs for p in inline):
            report("node role has inline policies (give data access through IRSA)", role.urn)


def _iam_02(args, report) -> None:
    providers = {p.props.get("arn"): p for p in of_type(args.resources, OIDC_PROVIDER)}
    for role in of_type(args.resources, ROLE):
        for s in statements(role.props.get("assumeRolePolicy")):
            if "sts:AssumeRoleWithWebIdentity" not in as_list(s.get("Action")):
                continue
            federated = (s.get("Principal") or {}).get("Federated")
            provider = providers.get(federated)
            if provider is None:
                report("web identity trust names no OIDC provider of the stack", role.urn)
                continue
            host = str(provider.props.get("url", "")).removeprefix("https://")
            condition = s.get("Condition") or {}
            equals = condition.get("StringEquals") or {}
            subject = str(equals.get(f"{host}:sub", ""))
            if equals.get(f"{host}:aud") != "sts.amazonaws.com":
                report("IRSA trust does not pin :aud = sts.amazonaws.com", role.urn)
            if (
                not subject.startswith("system:serviceaccount:")
                or "*" in subject
                or len(subject.split(":")) != 4
            ):
                report("IRSA trust does not pin :sub to one service account", role.urn)
            if "StringLike" in condition:
                report("IRSA trust uses StringLike (wildcard subjects)", role.urn)


def _restrictable(action: str) -> bool:
    verb = action.split(":", 1)[-1]
    return action not in UNRESTRICTABLE and not verb.startswith(UNRESTRICTABLE_PREFIXES)


def _iam_03(args, report) -> None:
    if args.resource_type == ATTACHMENT:
        if args.props.get("policyArn") in FORBIDDEN_MANAGED:
            report(f"{args.props.get('policyArn')} must not be attached")
        return
    for s in statements(args.props.get("policy")):
        if s.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in as_list(s.get("Action"))]
        for action in actions:
            if action == "*" or action.endswith(":*"):
                report(f"wildcard action {action!r}")
        if "*" in as_list(s.get("Resource")) and not s.get("Condition"):
            broad = [a for a in actions if _restrictable(a)]
            if broad:
                report(f"Resource '*' on restrictable actions: {', '.join(broad)}")


def _kms_01(args, report) -> None:
    if args.props.get("enableKeyRotation") is not True:
        report("key rotation is off (enableKeyRotation)")
    found = statements(args.props.get("policy"))
    if not found:
        report("the key has no key policy")
    for s in found:
        principal = s.get("Principal")
        if s.get("Effect") == "Allow" and (
            principal == "*" or "*" in as_list((principal or {}).get("AWS"))
        ):
            report("the key policy allows the '*' principal")


AWS_POLICIES = [
    resource_policy("eks-01", "The EKS API server endpoint is private", {CLUSTER}, _eks_01),
    stack_policy("eks-02", "EKS secrets are envelope-encrypted with a customer KMS key", _eks_02),
    resource_policy("eks-03", "All five EKS control plane log types are on", {CLUSTER}, _eks_03),
    stack_policy("eks-04", "EKS access: API mode, no creator admin, explicit entries", _eks_04),
    resource_policy("eks-05", "The EKS version is pinned to a supported one", {CLUSTER}, _eks_05),
    resource_policy("node-01", "IMDSv2 only, hop limit 1", {LAUNCH_TEMPLATE}, _node_01),
    stack_policy("node-02", "Nodes in private subnets, no SSH, no public IP", _node_02),
    stack_policy("node-03", "Node volumes encrypted with a customer key", _node_03),
    stack_policy("node-04", "EKS-optimized AMIs, pinned releases, tainted GPU groups", _node_04),
    stack_policy("iam-01", "Node roles carry only the three node policies", _iam_01),
    stack_policy("iam-02", "IRSA trust pins one service account and the audience", _iam_02),
    resource_policy(
        "iam-03",
        "No wildcard actions, no Resource '*' on restrictable actions, no admin policies",
        {ROLE_POLICY, MANAGED_POLICY, ATTACHMENT},
        _iam_03,
    ),
    resource_policy("kms-01", "KMS keys rotate and have a policy without '*'", {KMS_KEY}, _kms_01),
]

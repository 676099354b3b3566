"""K8S-02..K8S-11 of security-checks.md (K8S-01, schema validation, is ``aiplat check``).

Rules are generic over resource types: they read every pod spec the program renders (in
built-in workloads and inside custom resources, see :mod:`policies.pods`), every namespace,
Service, RBAC object and NetworkPolicy. Helm releases are opaque (their charts cannot be
rendered offline): the rules apply to their namespaces.
"""

from __future__ import annotations

from components.platform_namespace import PRIVILEGED_NAMESPACES
from policies._common import as_list, resource_policy, stack_policy
from policies.pods import (
    BUILT_IN_WORKLOADS,
    HELM_RELEASE,
    containers,
    is_object,
    labels_of,
    namespace_of,
    pod_specs,
    template_labels,
)

NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE = "kubernetes:core/v1:Service"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
ROLES = frozenset(
    {
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    }
)
BINDINGS = frozenset(
    {
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    }
)
PSA = "pod-security.kubernetes.io"
PSA_MODES = ("enforce", "audit", "warn")
PSA_LEVELS = frozenset({"restricted", "baseline", "privileged"})
# Namespaces the cluster itself owns (EKS add-ons, the device plugin): not ours to label.
SYSTEM_NAMESPACES = frozenset({"kube-system"})
GPU = "nvidia.com/gpu"
SERVING_GROUPS = ("serving.kserve.io", "machinelearning.seldon.io", "mlops.seldon.io")
SERVING_COMPONENTS = frozenset({"serving", "inference", "predictor", "model-server"})
COMPONENT_LABEL = "app.kubernetes.io/component"
ESCALATING_VERBS = frozenset({"escalate", "bind", "impersonate"})
READ_VERBS = frozenset({"get", "list", "watch", "*"})
INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "Internal",
}
PEER_AUTHENTICATION = "PeerAuthentication"


def _psa_level(labels: dict) -> str | None:
    return labels.get(f"{PSA}/enforce")


def _k8s_02(args, report) -> None:
    namespaces = {}
    for ns in (r for r in args.resources if r.resource_type == NAMESPACE):
        name = (ns.props.get("metadata") or {}).get("name")
        namespaces[name] = ns
        labels = labels_of(ns.props)
        for mode in PSA_MODES:
            if labels.get(f"{PSA}/{mode}") not in PSA_LEVELS:
                report(f"namespace {name}: no {PSA}/{mode} label", ns.urn)
        if _psa_level(labels) == "privileged" and name not in PRIVILEGED_NAMESPACES:
            report(
                f"namespace {name}: privileged is only for {sorted(PRIVILEGED_NAMESPACES)}", ns.urn
            )
    for r in args.resources:
        ns = r.props.get("namespace") if r.resource_type == HELM_RELEASE else None
        ns = ns or (namespace_of(r.props) if is_object(r.resource_type) else None)
        if ns and ns not in namespaces and ns not in SYSTEM_NAMESPACES and ns != "default":
            report(f"namespace {ns} is not created (and labelled) by the stack", r.urn)


def _host_exempt(args) -> bool:
    return namespace_of(args.props) in PRIVILEGED_NAMESPACES


def _k8s_03(args, report) -> None:
    exempt = _host_exempt(args)
    for spec in pod_specs(args.props.get("spec")):
        pod_context = spec.get("securityContext") or {}
        if not exempt:
            for host in ("hostNetwork", "hostPID", "hostIPC"):
                if spec.get(host) is True:
                    report(f"pod uses {host}")
        for c in containers(spec):
            ctx = c.get("securityContext") or {}
            name = c.get("name", "?")
            effective = {**pod_context, **ctx}
            if effective.get("runAsNonRoot") is not True:
                report(f"container {name}: runAsNonRoot is not set")
            if (effective.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                report(f"container {name}: seccomp profile is not RuntimeDefault")
            if ctx.get("allowPrivilegeEscalation") is not False:
                report(f"container {name}: allowPrivilegeEscalation is not false")
            if ctx.get("readOnlyRootFilesystem") is not True:
                report(f"container {name}: root filesystem is writable")
            if not exempt:
                if ctx.get("privileged") is True:
                    report(f"container {name}: privileged")
                if "ALL" not in as_list((ctx.get("capabilities") or {}).get("drop")):
                    report(f"container {name}: capabilities are not all dropped")


def _k8s_04(args, report) -> None:
    for spec in pod_specs(args.props.get("spec")):
        gpu_limits = 0
        for c in containers(spec):
            resources = c.get("resources") or {}
            requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
            name = c.get("name", "?")
            for kind, values in (("request", requests), ("limit", limits)):
                missing = [r for r in ("cpu", "memory") if r not in values]
                if missing:
                    report(f"container {name}: no {' or '.join(missing)} {kind}")
            if GPU in requests and GPU not in limits:
                report(f"container {name}: requests {GPU} without a limit")
            gpu_limits += GPU in limits
        tolerates_gpu = any(t.get("key") == GPU for t in spec.get("tolerations") or [])
        if tolerates_gpu and not gpu_limits:
            report(f"pod tolerates {GPU} nodes but sets no {GPU} limit")


def _denies_all(policy) -> bool:
    spec = policy.props.get("spec") or {}
    selector = spec.get("podSelector") or {}
    return (
        not selector.get("matchLabels")
        and not selector.get("matchExpressions")
        and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or [])
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def _allows_dns(policy) -> bool:
    for rule in (policy.props.get("spec") or {}).get("egress") or []:
        if any(p.get("port") in (53, "53", "dns") for p in rule.get("ports") or []):
            return True
    return False


def _k8s_05(args, report) -> None:
    policies: dict = {}
    for p in (r for r in args.resources if r.resource_type == NETWORK_POLICY):
        policies.setdefault(namespace_of(p.props), []).append(p)
    for ns in (r for r in args.resources if r.resource_type == NAMESPACE):
        name = (ns.props.get("metadata") or {}).get("name")
        found = policies.get(name, [])
        if not any(_denies_all(p) for p in found):
            report(f"namespace {name}: no default-deny NetworkPolicy", ns.urn)
        if not any(_allows_dns(p) for p in found):
            report(f"namespace {name}: no DNS egress allow", ns.urn)


def _k8s_06(args, report) -> None:
    if args.resource_type == HELM_RELEASE:
        if args.props.get("namespace") in (None, "", "default"):
            report("Helm release installs into the default namespace")
        return
    if namespace_of(args.props) == "default":
        report("object in the default namespace")
    if args.resource_type == SERVICE_ACCOUNT and "automountServiceAccountToken" not in args.props:
        report("service account does not decide automountServiceAccountToken")
    built_in = args.resource_type in BUILT_IN_WORKLOADS
    for spec in pod_specs(args.props.get("spec")):
        account = spec.get("serviceAccountName")
        if account == "default" or (built_in and not account):
            report("pod runs as the default service account")
        if built_in and "automountServiceAccountToken" not in spec:
            report("pod does not decide automountServiceAccountToken")


def _k8s_07(args, report) -> None:
    if args.resource_type in BINDINGS:
        role = (args.props.get("roleRef") or {}).get("name")
        if role == "cluster-admin":
            report("binds cluster-admin")
        return
    for rule in args.props.get("rules") or []:
        verbs = set(as_list(rule.get("verbs")))
        for field in ("verbs", "resources", "apiGroups"):
            if "*" in as_list(rule.get(field)):
                report(f"wildcard in {field}")
        if verbs & ESCALATING_VERBS:
            report(f"escalating verbs: {', '.join(sorted(verbs & ESCALATING_VERBS))}")
        secrets = "secrets" in as_list(rule.get("resources"))
        if secrets and verbs & READ_VERBS and not rule.get("resourceNames"):
            report("reads every secret (no resourceNames)")


def _pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[-1] not in ("", "latest")


def _k8s_08(args, report) -> None:
    for spec in pod_specs(args.props.get("spec")):
        for c in containers(spec):
            if not _pinned(str(c.get("image", ""))):
                report(f"container {c.get('name', '?')}: image {c.get('image')!r} is not pinned")


def _k8s_09(args, report) -> None:
    for spec in pod_specs(args.props.get("spec")):
        for c in containers(spec):
            name = c.get("name", "?")
            for env in c.get("env") or []:
                if (env.get("valueFrom") or {}).get("secretKeyRef"):
                    report(f"container {name}: secret in env {env.get('name')}")
            for source in c.get("envFrom") or []:
                if source.get("secretRef"):
                    report(f"container {name}: secret as envFrom")


def _serving(r) -> bool:
    _, _, rest = r.resource_type.partition(":")
    if rest.startswith(SERVING_GROUPS):
        return True
    labels = {**labels_of(r.props), **template_labels(r.props)}
    return (
        r.resource_type in BUILT_IN_WORKLOADS and labels.get(COMPONENT_LABEL) in SERVING_COMPONENTS
    )


def _own_budgets(r) -> bool:
    """A SeldonDeployment whose every component spec carries a ``pdbSpec`` (the operator
    creates those PodDisruptionBudgets itself)."""
    if not r.resource_type.endswith(":SeldonDeployment"):
        return False
    specs = [
        c
        for predictor in (r.props.get("spec") or {}).get("predictors") or []
        for c in predictor.get("componentSpecs") or []
    ]
    return bool(specs) and all(c.get("pdbSpec") for c in specs)


def _k8s_10(args, report) -> None:
    budgets: dict = {}
    for p in (r for r in args.resources if r.resource_type == PDB):
        budgets.setdefault(namespace_of(p.props), []).append(p)
    for r in (r for r in args.resources if is_object(r.resource_type) and _serving(r)):
        for spec in pod_specs(r.props.get("spec")):
            for c in spec.get("containers") or []:
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in c:
                        report(f"container {c.get('name', '?')}: no {probe}", r.urn)
            if not (spec.get("affinity") or {}).get("podAntiAffinity"):
                report("serving pods have no anti-affinity", r.urn)
        if not (budgets.get(namespace_of(r.props)) or _own_budgets(r)):
            report("no PodDisruptionBudget for the serving workload", r.urn)


def _k8s_11(args, report) -> None:
    if args.resource_type == SERVICE:
        kind = (args.props.get("spec") or {}).get("type", "ClusterIP")
        annotations = (args.props.get("metadata") or {}).get("annotations") or {}
        internal = any(annotations.get(k) == v for k, v in INTERNAL_LB_ANNOTATIONS.items())
        if kind == "NodePort" or (kind == "LoadBalancer" and not internal):
            report(f"Service of type {kind} exposes the workload")
        return
    spec = args.props.get("spec") or {}
    modes = [(spec.get("mtls") or {}).get("mode")]
    modes += [(p or {}).get("mode") for p in (spec.get("portLevelMtls") or {}).values()]
    if any(m not in (None, "STRICT", "UNSET") for m in modes):
        report("mesh mTLS is not STRICT")


def _is_rbac(t: str) -> bool:
    return t in ROLES or t in BINDINGS


K8S_POLICIES = [
    stack_policy(
        "k8s-02", "Namespaces carry Pod Security labels; privileged only where listed", _k8s_02
    ),
    resource_policy("k8s-03", "Hardened containers, no host namespaces", is_object, _k8s_03),
    resource_policy("k8s-04", "CPU/memory requests and limits; GPU limits", is_object, _k8s_04),
    stack_policy("k8s-05", "Default-deny NetworkPolicy and DNS allow per namespace", _k8s_05),
    resource_policy(
        "k8s-06",
        "Dedicated service accounts, tokens decided, nothing in default",
        lambda t: is_object(t) or t == HELM_RELEASE,
        _k8s_06,
    ),
    resource_policy("k8s-07", "RBAC without wildcards or escalation", _is_rbac, _k8s_07),
    resource_policy("k8s-08", "Image tags pinned, never latest", is_object, _k8s_08),
    resource_policy("k8s-09", "Secrets as files, not environment variables", is_object, _k8s_09),
    stack_policy("k8s-10", "Serving workloads: probes, PDB, anti-affinity", _k8s_10),
    resource_policy(
        "k8s-11",
        "No exposed NodePort/LoadBalancer Services; mesh mTLS STRICT",
        lambda t: t == SERVICE or t.endswith(f":{PEER_AUTHENTICATION}"),
        _k8s_11,
    ),
]

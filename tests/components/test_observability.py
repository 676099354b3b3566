"""Observability: kube-prometheus-stack and the DCGM exporter as pinned releases, Prometheus's
retention from the tier spec on a volume sized for it, the node agents in the privileged
``node-agents`` namespace and everything else restricted (K8S-02), Grafana dashboards and the
four alert rules; on every stack (both preview modes). Pure decisions are tested as tables."""

from __future__ import annotations

import json
import re

import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.manifests import crd_dir, has_crd_schema, manifest_of, validate, validate_custom
from aiplat.stackfiles import load, stack_names
from components.observability import ObservabilityArgs, scrape_from_prometheus
from components.platform_namespace import allow_spec
from components.values import dashboards, dcgm, kube_prometheus
from components.values.dashboards import AlertThresholds
from tiers import pins

OBSERVABILITY = "aiplat:observability:Observability"
SERVICES = "aiplat:platform:ClusterServices"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
ON = [s for s in stack_names() if load(s).resolve().stacks.observability.enabled]
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
FOUR_ALERTS = {"GpuIdle", "GpuMemoryPressure", "ServingLatencyP99High", "ServingErrorRateHigh"}

every_stack = pytest.mark.parametrize("stack", ON)
both_modes = pytest.mark.parametrize("preview", MODES)
needs_crds = pytest.mark.skipif(
    not crd_dir().is_dir(), reason=f"no CRD schemas at {crd_dir()} (../shared/crds)"
)


def descendants(cap: Capture, root: CapturedResource) -> list[CapturedResource]:
    found, frontier = [], {root.urn}
    for resource in cap.resources:  # registration order: parents come first
        if resource.parent in frontier:
            found.append(resource)
            frontier.add(resource.urn)
    return found


def parts(cap: Capture) -> list[tuple[CapturedResource, list[CapturedResource]]]:
    """Each cluster's Observability component with everything under it."""
    found = cap.of_type(OBSERVABILITY)
    assert found
    return [(o, descendants(cap, o)) for o in found]


def of_type(resources: list[CapturedResource], type_: str) -> list[CapturedResource]:
    return [r for r in resources if r.type == type_]


def releases(resources: list[CapturedResource]) -> dict[str, CapturedResource]:
    return {r.inputs["name"]: r for r in of_type(resources, RELEASE)}


def stack_values(resources: list[CapturedResource]) -> dict:
    return releases(resources)["kube-prometheus-stack"].inputs["values"]


def test_observability_is_on_for_every_stack_file():
    assert stack_names() == ON


@every_stack
@both_modes
def test_observability_is_a_child_of_cluster_services_after_the_mesh(capture, stack, preview):
    cap = capture(stack, preview)
    for svc in cap.of_type(SERVICES):
        children = [r for r in cap.resources if r.parent == svc.urn]
        (obs,) = [r for r in children if r.type == OBSERVABILITY]
        assert obs.name == f"{svc.name}-observability"
        names = [r.name for r in children]
        if f"{svc.name}-mesh" in names:
            assert names.index(f"{svc.name}-mesh") < names.index(obs.name)


@every_stack
@both_modes
def test_kube_prometheus_stack_and_dcgm_exporter_are_pinned_releases(capture, stack, preview):
    expected = {
        "kube-prometheus-stack": (pins.KUBE_PROMETHEUS_STACK, "monitoring"),
        "dcgm-exporter": (pins.DCGM_EXPORTER, "node-agents"),
    }
    for _, resources in parts(capture(stack, preview)):
        found = releases(resources)
        assert set(found) == set(expected)
        for name, (pin, namespace) in expected.items():
            inputs = found[name].inputs
            assert (inputs["chart"], inputs["version"]) == (pin.chart, pin.version)
            assert inputs["repositoryOpts"] == {"repo": pin.repository}
            assert inputs["namespace"] == namespace
        # The exporter's ServiceMonitor needs the CRDs the stack installs.
        assert found["kube-prometheus-stack"].urn in found["dcgm-exporter"].dependencies


@every_stack
@both_modes
def test_k8s_02_monitoring_is_restricted_and_only_node_agents_privileged(capture, stack, preview):
    for _, resources in parts(capture(stack, preview)):
        levels = {
            ns.inputs["metadata"]["name"]: ns.inputs["metadata"]["labels"]
            for ns in of_type(resources, NAMESPACE)
        }
        assert set(levels) == {"monitoring", "node-agents"}
        for mode in ("enforce", "audit", "warn"):
            label = f"pod-security.kubernetes.io/{mode}"
            assert levels["monitoring"][label] == "restricted"
            assert levels["node-agents"][label] == "privileged"


@every_stack
@both_modes
def test_the_node_exporter_is_moved_into_node_agents(capture, stack, preview):
    for _, resources in parts(capture(stack, preview)):
        values = stack_values(resources)
        assert values["prometheus-node-exporter"]["namespaceOverride"] == "node-agents"


@every_stack
@both_modes
def test_prometheus_keeps_the_tiers_retention_on_a_volume_sized_for_it(capture, stack, preview):
    platform = load(stack).resolve()
    days = platform.stacks.observability.retention_days
    for _, resources in parts(capture(stack, preview)):
        spec = stack_values(resources)["prometheus"]["prometheusSpec"]
        assert spec["retention"] == f"{days}d"
        storage = spec["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]
        gib = int(storage["storage"].removesuffix("Gi"))
        assert gib >= kube_prometheus.MIN_STORAGE_GIB
        assert int(spec["retentionSize"].removesuffix("GB")) < gib


@pytest.mark.parametrize(
    ("stack", "days"),
    [("poc-dev", 7), ("intermediate-prod", 15), ("advanced-prod", 30), ("expert-prod", 90)],
)
def test_retention_follows_the_tier(capture, stack, days):
    for _, resources in parts(capture(stack, True)):
        assert stack_values(resources)["prometheus"]["prometheusSpec"]["retention"] == f"{days}d"


def test_a_longer_retention_gets_a_bigger_volume(capture):
    def volume(stack: str) -> int:
        (_, resources), *_ = parts(capture(stack, True))
        spec = stack_values(resources)["prometheus"]["prometheusSpec"]
        claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
        return int(claim["resources"]["requests"]["storage"].removesuffix("Gi"))

    assert volume("expert-prod") > volume("intermediate-prod")


@every_stack
@both_modes
def test_every_servicemonitor_and_rule_in_the_cluster_is_picked_up(capture, stack, preview):
    for _, resources in parts(capture(stack, preview)):
        spec = stack_values(resources)["prometheus"]["prometheusSpec"]
        assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False
        assert spec["ruleSelectorNilUsesHelmValues"] is False
        allowlist = stack_values(resources)["kube-state-metrics"]["metricLabelsAllowlist"]
        assert allowlist == ["nodes=[aiplat.io/pool]"]


@every_stack
@both_modes
def test_the_dcgm_exporter_runs_on_gpu_nodes_and_labels_series_with_the_node(
    capture, stack, preview
):
    for _, resources in parts(capture(stack, preview)):
        values = releases(resources)["dcgm-exporter"].inputs["values"]
        assert values["serviceMonitor"]["enabled"] is True
        (relabel,) = values["serviceMonitor"]["relabelings"]
        assert relabel["targetLabel"] == "node"
        assert {
            "key": "nvidia.com/gpu",
            "operator": "Equal",
            "value": "true",
            "effect": "NoSchedule",
        } in values["tolerations"]
        assert "SYS_ADMIN" not in json.dumps(values["securityContext"])


@pytest.mark.parametrize(
    ("stack", "scraped"), [("intermediate-prod", False), ("intermediate-onprem", True)]
)
def test_a_managed_control_plane_is_not_scraped(capture, stack, scraped):
    for _, resources in parts(capture(stack, True)):
        values = stack_values(resources)
        for part in ("kubeEtcd", "kubeScheduler", "kubeControllerManager"):
            assert values[part]["enabled"] is scraped


@every_stack
@both_modes
def test_grafana_dashboards_are_labelled_configmaps_of_valid_json(capture, stack, preview):
    mesh = load(stack).resolve().stacks.mesh
    for _, resources in parts(capture(stack, preview)):
        (config_map,) = of_type(resources, CONFIG_MAP)
        assert config_map.inputs["metadata"]["labels"] == {"grafana_dashboard": "1"}
        assert config_map.inputs["metadata"]["namespace"] == "monitoring"
        boards = {k: json.loads(v) for k, v in config_map.inputs["data"].items()}
        expected = {"aiplat-gpu-pools.json"} | ({"aiplat-serving.json"} if mesh else set())
        assert set(boards) == expected
        gpu = json.dumps(boards["aiplat-gpu-pools.json"])
        for metric in ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE"):
            assert metric in gpu
        assert "label_aiplat_io_pool" in gpu
        if mesh:
            serving = json.dumps(boards["aiplat-serving.json"])
            assert "istio_request_duration_milliseconds_bucket" in serving
            assert "histogram_quantile(0.5," in serving and "histogram_quantile(0.99," in serving
            assert 'response_code=~\\"5..\\"' in serving


@every_stack
@both_modes
def test_the_rules_hold_the_gpu_alerts_and_the_serving_alerts_with_the_mesh(
    capture, stack, preview
):
    mesh = load(stack).resolve().stacks.mesh
    for _, resources in parts(capture(stack, preview)):
        (rule,) = of_type(resources, RULE)
        alerts = {r["alert"] for g in rule.inputs["spec"]["groups"] for r in g["rules"]}
        assert alerts == (FOUR_ALERTS if mesh else {"GpuIdle", "GpuMemoryPressure"})
        assert releases(resources)["kube-prometheus-stack"].urn in rule.dependencies


@every_stack
@both_modes
def test_k8s_01_every_plain_observability_object_validates(capture, stack, preview):
    version = load(stack).resolve().kubernetes_version
    for _, resources in parts(capture(stack, preview)):
        plain = [m for r in resources if (m := manifest_of(r)) is not None and m.built_in]
        assert {m.kind for m in plain} >= {"Namespace", "NetworkPolicy", "ConfigMap"}
        for m in plain:
            assert validate(m, version) == [], m.resource_name


@needs_crds
@every_stack
@both_modes
def test_k8s_01_the_prometheus_rule_validates_against_its_crd(capture, stack, preview):
    for _, resources in parts(capture(stack, preview)):
        custom = [m for r in resources if (m := manifest_of(r)) is not None and not m.built_in]
        assert [m.kind for m in custom] == ["PrometheusRule"]
        for m in custom:
            assert has_crd_schema(m)
            assert validate_custom(m) == [], m.resource_name


@pytest.mark.parametrize(
    ("retention_days", "nodes", "gib"),
    [(1, 0, 20), (7, 3, 20), (15, 10, 22), (30, 20, 51), (90, 40, 196)],
)
def test_prometheus_storage_grows_with_retention_and_nodes(retention_days, nodes, gib):
    assert kube_prometheus.storage_gib(retention_days, nodes) == gib


@pytest.mark.parametrize(
    ("retention_days", "nodes", "message"),
    [(0, 3, "retention_days must be >= 1 (got 0)"), (7, -1, "nodes must be >= 0 (got -1)")],
)
def test_prometheus_storage_refuses_nonsense(retention_days, nodes, message):
    with pytest.raises(ValueError) as error:
        kube_prometheus.storage_gib(retention_days, nodes)
    assert str(error.value) == message


@pytest.mark.parametrize(("gib", "size"), [(20, "17GB"), (22, "18GB"), (196, "166GB")])
def test_retention_size_leaves_headroom_on_the_volume(gib, size):
    assert kube_prometheus.retention_size(gib) == size


def test_the_pool_label_as_kube_state_metrics_exports_it():
    assert kube_prometheus.kube_state_label() == "label_aiplat_io_pool"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            dashboards.gpu_utilisation_by_pool(),
            "avg by (label_aiplat_io_pool) (DCGM_FI_DEV_GPU_UTIL * on(node) "
            "group_left(label_aiplat_io_pool) kube_node_labels)",
        ),
        (
            dashboards.latency_quantile(0.99),
            "histogram_quantile(0.99, sum by (destination_service, le) "
            '(rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[5m])))',
        ),
        (
            dashboards.error_ratio("1m"),
            "sum by (destination_service) "
            '(rate(istio_requests_total{reporter="destination",response_code=~"5.."}[1m])) / '
            "sum by (destination_service) "
            '(rate(istio_requests_total{reporter="destination"}[1m]))',
        ),
    ],
    ids=["gpu-utilisation", "p99-latency", "error-ratio"],
)
def test_promql_of_the_panels_and_alerts(expr, expected):
    assert expr == expected


@pytest.mark.parametrize("quantile", [0, 1, 1.5, -0.1])
def test_latency_quantile_must_be_between_zero_and_one(quantile):
    with pytest.raises(ValueError) as error:
        dashboards.latency_quantile(quantile)
    assert str(error.value) == f"quantile must be in (0, 1) (got {quantile})"


def test_every_promql_expression_has_balanced_brackets():
    exprs = [
        t["expr"]
        for board in dashboards.dashboards(serving=True).values()
        for p in board["panels"]
        for t in p["targets"]
    ] + [r["expr"] for g in dashboards.rule_groups(dashboards.THRESHOLDS, True) for r in g["rules"]]
    for expr in exprs:
        for open_, close in ("()", "{}", "[]"):
            assert expr.count(open_) == expr.count(close), expr


@pytest.mark.parametrize(
    ("serving", "alerts"),
    [(True, FOUR_ALERTS), (False, {"GpuIdle", "GpuMemoryPressure"})],
)
def test_rule_groups_by_whether_the_mesh_reports_requests(serving, alerts):
    groups = dashboards.rule_groups(dashboards.THRESHOLDS, serving)
    assert {r["alert"] for g in groups for r in g["rules"]} == alerts
    for rule in (r for g in groups for r in g["rules"]):
        assert re.fullmatch(r"\d+m", rule["for"])
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}


def test_thresholds_are_data_that_the_rules_follow():
    t = AlertThresholds(idle_gpu_percent=10, idle_gpu_minutes=120, serving_p99_ms=250)
    rules = {r["alert"]: r for g in dashboards.rule_groups(t, True) for r in g["rules"]}
    assert rules["GpuIdle"]["expr"].endswith("< 10")
    assert rules["GpuIdle"]["for"] == "120m"
    assert rules["ServingLatencyP99High"]["expr"].endswith("> 250")
    assert rules["ServingErrorRateHigh"]["expr"].endswith("> 0.05")
    assert rules["GpuMemoryPressure"]["expr"].endswith("> 0.95")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"idle_gpu_percent": 0}, "idle_gpu_percent must be in (0, 100) (got 0)"),
        ({"gpu_memory_share": 1.5}, "gpu_memory_share must be in (0, 1) (got 1.5)"),
        ({"serving_error_share": 0}, "serving_error_share must be in (0, 1) (got 0)"),
        ({"serving_p99_ms": 0}, "serving_p99_ms must be > 0 (got 0)"),
        ({"idle_gpu_minutes": 0}, "idle_gpu_minutes must be >= 1 (got 0)"),
    ],
)
def test_alert_thresholds_refuse_nonsense(changes, message):
    with pytest.raises(ValueError) as error:
        AlertThresholds(**changes)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"retention_days": 0}, "observability: retention_days must be >= 1 (got 0)"),
        ({"nodes": 5, "max_nodes": 4}, "observability: need 1 <= nodes <= max_nodes (got 5, 4)"),
    ],
)
def test_observability_args_refuse_nonsense(changes, message):
    fields = {
        "retention_days": 7,
        "nodes": 2,
        "max_nodes": 4,
        "gpu_tolerations": (),
        "serving_metrics": False,
        "managed_control_plane": True,
    } | changes
    with pytest.raises(ValueError) as error:
        ObservabilityArgs(**fields)
    assert str(error.value) == message


def test_scraped_namespaces_admit_prometheus_on_their_metrics_ports():
    spec = allow_spec(scrape_from_prometheus((dcgm.PORT,)))
    (rule,) = spec["ingress"]
    (peer,) = rule["from"]
    assert peer["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
    assert peer["namespaceSelector"]["matchExpressions"][0]["values"] == ["monitoring"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 9400}]


@pytest.mark.parametrize(("nodes", "memory_mi"), [(0, 2048), (10, 2048), (134, 2157), (286, 3938)])
def test_prometheus_memory_grows_with_the_series(nodes, memory_mi):
    assert kube_prometheus.prometheus_pod(nodes).memory_mi == memory_mi


@every_stack
def test_quotas_fit_the_agents_on_every_node_and_prometheus(capture, stack):
    platform = load(stack).resolve()
    max_nodes = platform.system_pool.max_nodes + sum(p.max_nodes for p in platform.gpu_pools)
    nodes = platform.system_pool.desired_nodes + sum(p.desired_nodes for p in platform.gpu_pools)
    for _, resources in parts(capture(stack, True)):
        hard = {
            q.inputs["metadata"]["namespace"]: q.inputs["spec"]["hard"]
            for q in of_type(resources, "kubernetes:core/v1:ResourceQuota")
        }
        assert int(hard["node-agents"]["pods"]) == 2 * max_nodes
        per_node = kube_prometheus.NODE_EXPORTER_POD.cpu_m + dcgm.POD.cpu_m
        assert hard["node-agents"]["requests.cpu"] == f"{per_node * max_nodes}m"
        prometheus = kube_prometheus.prometheus_pod(nodes)
        assert int(hard["monitoring"]["requests.memory"].removesuffix("Mi")) > prometheus.memory_mi
        values = stack_values(resources)["prometheus"]["prometheusSpec"]["resources"]
        assert values["requests"]["memory"] == prometheus.memory

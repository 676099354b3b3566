"""Grafana dashboards and Prometheus alert rules, as data built by pure functions.

GPU panels group NVIDIA DCGM exporter metrics by the node's ``aiplat.io/pool`` label, which
kube-state-metrics exports on ``kube_node_labels``; the exporter's ServiceMonitor puts the
node's name on every GPU series, so the two join ``on(node)``. Serving panels read the Istio
sidecars' standard metrics (``istio_requests_total``, ``istio_request_duration_milliseconds``),
so they cover every meshed model server whatever its engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.values.kube_prometheus import kube_state_label

POOL = kube_state_label()  # label_aiplat_io_pool
GPU_UTIL = "DCGM_FI_DEV_GPU_UTIL"
FB_USED = "DCGM_FI_DEV_FB_USED"
FB_FREE = "DCGM_FI_DEV_FB_FREE"
REQUESTS = "istio_requests_total"
DURATION = "istio_request_duration_milliseconds_bucket"
_BY_POOL = f"* on(node) group_left({POOL}) kube_node_labels"
_SERVER_SIDE = 'reporter="destination"'
SCHEMA_VERSION = 39


def with_pool(metric: str) -> str:
    """A per-GPU DCGM series, labelled with its node's pool."""
    return f"({metric} {_BY_POOL})"


def gpu_utilisation_by_pool() -> str:
    return f"avg by ({POOL}) {with_pool(GPU_UTIL)}"


def gpu_memory_used_by_pool() -> str:
    """Frame buffer used, MiB, summed per pool."""
    return f"sum by ({POOL}) {with_pool(FB_USED)}"


def gpu_memory_used_ratio_by_pool() -> str:
    used = f"sum by ({POOL}) {with_pool(FB_USED)}"
    total = f"sum by ({POOL}) {with_pool(f'({FB_USED} + {FB_FREE})')}"
    return f"{used} / {total}"


def latency_quantile(quantile: float, window: str = "5m") -> str:
    """Server-side request latency quantile (ms) per destination service."""
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1) (got {quantile})")
    rate = f"rate({DURATION}{{{_SERVER_SIDE}}}[{window}])"
    return f"histogram_quantile({quantile}, sum by (destination_service, le) ({rate}))"


def error_ratio(window: str = "5m") -> str:
    """Share of server-side requests answered 5xx, per destination service."""
    errors = f'rate({REQUESTS}{{{_SERVER_SIDE},response_code=~"5.."}}[{window}])'
    total = f"rate({REQUESTS}{{{_SERVER_SIDE}}}[{window}])"
    return f"sum by (destination_service) ({errors}) / sum by (destination_service) ({total})"


def panel(
    panel_id: int, title: str, targets: list[tuple[str, str]], unit: str, x: int, y: int
) -> dict[str, Any]:
    """A time-series panel, half the dashboard wide; targets are (PromQL, legend)."""
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def dashboard(uid: str, title: str, panels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["aiplat"],
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "editable": False,
        "panels": panels,
    }


def gpu_dashboard() -> dict[str, Any]:
    legend = f"{{{{{POOL}}}}}"
    return dashboard(
        "aiplat-gpu-pools",
        "aiplat / GPU pools",
        [
            panel(
                1, "GPU utilisation by pool", [(gpu_utilisation_by_pool(), legend)], "percent", 0, 0
            ),
            panel(
                2,
                "GPU memory used by pool",
                [(gpu_memory_used_by_pool(), legend)],
                "decmbytes",
                12,
                0,
            ),
            panel(
                3,
                "GPU memory used share by pool",
                [(gpu_memory_used_ratio_by_pool(), legend)],
                "percentunit",
                0,
                8,
            ),
        ],
    )


def serving_dashboard() -> dict[str, Any]:
    legend = "{{destination_service}}"
    return dashboard(
        "aiplat-serving",
        "aiplat / model serving",
        [
            panel(
                1,
                "Request latency p50 / p99",
                [
                    (latency_quantile(0.5), f"p50 {legend}"),
                    (latency_quantile(0.99), f"p99 {legend}"),
                ],
                "ms",
                0,
                0,
            ),
            panel(2, "5xx error rate", [(error_ratio(), legend)], "percentunit", 12, 0),
        ],
    )


def dashboards(serving: bool) -> dict[str, dict[str, Any]]:
    """Every dashboard, by ConfigMap key; serving needs the mesh's telemetry."""
    found = {"aiplat-gpu-pools.json": gpu_dashboard()}
    if serving:
        found["aiplat-serving.json"] = serving_dashboard()
    return found


@dataclass(frozen=True, kw_only=True)
class AlertThresholds:
    """When an alert fires: a level held for a number of minutes."""

    idle_gpu_percent: float = 5.0
    idle_gpu_minutes: int = 60
    gpu_memory_share: float = 0.95
    gpu_memory_minutes: int = 15
    serving_p99_ms: float = 1000.0
    serving_latency_minutes: int = 10
    serving_error_share: float = 0.05
    serving_error_minutes: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.idle_gpu_percent < 100:
            raise ValueError(f"idle_gpu_percent must be in (0, 100) (got {self.idle_gpu_percent})")
        for name in ("gpu_memory_share", "serving_error_share"):
            share = getattr(self, name)
            if not 0 < share < 1:
                raise ValueError(f"{name} must be in (0, 1) (got {share})")
        if self.serving_p99_ms <= 0:
            raise ValueError(f"serving_p99_ms must be > 0 (got {self.serving_p99_ms})")
        for name in (
            "idle_gpu_minutes",
            "gpu_memory_minutes",
            "serving_latency_minutes",
            "serving_error_minutes",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (got {getattr(self, name)})")


THRESHOLDS = AlertThresholds()


def _rule(alert: str, expr: str, minutes: int, severity: str, summary: str) -> dict[str, Any]:
    return {
        "alert": alert,
        "expr": expr,
        "for": f"{minutes}m",
        "labels": {"severity": severity, "platform": "aiplat"},
        "annotations": {"summary": summary},
    }


def gpu_rules(t: AlertThresholds) -> list[dict[str, Any]]:
    memory_share = f"{with_pool(FB_USED)} / {with_pool(f'({FB_USED} + {FB_FREE})')}"
    return [
        _rule(
            "GpuIdle",
            f"{with_pool(GPU_UTIL)} < {t.idle_gpu_percent:g}",
            t.idle_gpu_minutes,
            "info",
            f"GPU {{{{ $labels.gpu }}}} on {{{{ $labels.node }}}} (pool {{{{ $labels.{POOL} }}}}) "
            f"under {t.idle_gpu_percent:g}% busy for {t.idle_gpu_minutes}m: scale the pool down",
        ),
        _rule(
            "GpuMemoryPressure",
            f"{memory_share} > {t.gpu_memory_share:g}",
            t.gpu_memory_minutes,
            "warning",
            f"GPU {{{{ $labels.gpu }}}} on {{{{ $labels.node }}}} over "
            f"{t.gpu_memory_share:.0%} memory for {t.gpu_memory_minutes}m",
        ),
    ]


def serving_rules(t: AlertThresholds) -> list[dict[str, Any]]:
    return [
        _rule(
            "ServingLatencyP99High",
            f"{latency_quantile(0.99)} > {t.serving_p99_ms:g}",
            t.serving_latency_minutes,
            "warning",
            f"p99 latency of {{{{ $labels.destination_service }}}} over "
            f"{t.serving_p99_ms:g} ms for {t.serving_latency_minutes}m",
        ),
        _rule(
            "ServingErrorRateHigh",
            f"{error_ratio()} > {t.serving_error_share:g}",
            t.serving_error_minutes,
            "critical",
            f"{{{{ $labels.destination_service }}}} answers over {t.serving_error_share:.0%} "
            f"5xx for {t.serving_error_minutes}m",
        ),
    ]


def rule_groups(t: AlertThresholds, serving: bool) -> list[dict[str, Any]]:
    """PrometheusRule groups: GPU rules always; serving rules when the mesh reports requests."""
    groups = [{"name": "aiplat-gpu", "rules": gpu_rules(t)}]
    if serving:
        groups.append({"name": "aiplat-serving", "rules": serving_rules(t)})
    return groups

"""Values for the ``seldon-core-operator`` chart (Seldon Core v1, pinned at 1.17.1: the last
Apache-2.0 release; 1.18+ and every 2.x are BSL-1.1).

The operator runs in its own restricted namespace; with the mesh on it routes predictors'
traffic splits and shadows through Istio (it writes the VirtualService and DestinationRule).
Usage metrics to Seldon are off; Ambassador is not used.
"""

from __future__ import annotations

from typing import Any

WEBHOOK_PORT = 4443
ISTIO_GATEWAY = "istio-system/aiplat-gateway"


def values(*, mesh: bool, request_logger_url: str | None) -> dict[str, Any]:
    executor: dict[str, Any] = {}
    if request_logger_url:
        executor["requestLogger"] = {"defaultEndpoint": request_logger_url}
    return {
        "usageMetrics": {"enabled": False},
        "ambassador": {"enabled": False},
        "istio": {"enabled": mesh, "gateway": ISTIO_GATEWAY},
        "certManager": {"enabled": False},
        "crd": {"create": True},
        "executor": executor,
        "manager": {
            "cpuRequest": "100m",
            "cpuLimit": "500m",
            "memoryRequest": "128Mi",
            "memoryLimit": "512Mi",
        },
        "webhook": {"port": WEBHOOK_PORT},
    }

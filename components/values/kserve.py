"""Values for KServe's ``kserve-resources`` chart (v0.20.0, Apache-2.0): RawDeployment mode,
so InferenceServices become plain Deployments + HPAs and Knative is not needed. Canary and
A/B splits are then Istio VirtualServices aiplat renders (KServe's own
``canaryTrafficPercent`` works only in Serverless mode)."""

from __future__ import annotations

from typing import Any

WEBHOOK_PORT = 9443


def values() -> dict[str, Any]:
    return {
        "kserve": {
            "controller": {
                "deploymentMode": "RawDeployment",
                "gateway": {"disableIngressCreation": True},
            },
            "modelmesh": {"enabled": False},
            "localmodel": {"enabled": False},
        }
    }

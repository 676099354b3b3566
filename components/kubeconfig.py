"""Kubeconfig documents, as data."""

from __future__ import annotations

from typing import Any


def eks_kubeconfig(
    cluster_name: str, endpoint: str, ca_data: str, region: str, role_arn: str | None
) -> dict[str, Any]:
    """A kubeconfig that authenticates with ``aws eks get-token`` (optionally assuming the
    platform admin role), so no long-lived credential is ever written into state."""
    args = ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]
    if role_arn:
        args += ["--role-arn", role_arn]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": endpoint, "certificate-authority-data": ca_data},
            }
        ],
        "contexts": [
            {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
        ],
        "current-context": cluster_name,
        "users": [
            {
                "name": cluster_name,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": args,
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
    }

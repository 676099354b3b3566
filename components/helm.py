"""Pinned Helm v3 releases: the one way aiplat installs a chart.

A Helm v3 ``Release`` (not a v4 ``Chart``) is used on purpose: it is one resource whose
inputs carry the chart, version and values, so the offline preview, the policy pack and
``aiplat render`` can all see exactly what would be installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from tiers.pins import ChartPin


def pinned_release(
    resource_name: str,
    *,
    release_name: str,
    pin: ChartPin,
    namespace: str,
    values: Mapping[str, Any],
    opts: pulumi.ResourceOptions,
    skip_crds: bool = False,
) -> k8s.helm.v3.Release:
    """A Helm v3 release of ``pin`` named ``release_name`` in ``namespace``; ``atomic``
    so a failed install or upgrade rolls back. The namespace must already exist (it is a
    :class:`~components.platform_namespace.PlatformNamespace`, hardened)."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        namespace=namespace,
        values=dict(values),
        atomic=True,
        skip_crds=skip_crds,
        opts=opts,
        **pin.release_args(),
    )

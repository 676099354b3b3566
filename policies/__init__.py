"""The aiplat CrossGuard policy pack: every check of security-checks.md that applies to our
resources, written once as ``pulumi_policy`` validate functions.

``pulumi preview --policy-pack policies`` runs them through ``policies/__main__.py``; offline,
:mod:`policies.offline` calls the same validate functions on the resources the harness
captured. Building the policy objects is cheap and side-effect free; only the ``PolicyPack``
(constructed in ``__main__.py`` alone) starts the analyzer server.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from policies.aws import AWS_POLICIES
from policies.data import DATA_POLICIES
from policies.kubernetes import K8S_POLICIES

PACK_NAME = "aiplat"
POLICIES = [*AWS_POLICIES, *DATA_POLICIES, *K8S_POLICIES]
MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

__all__ = ["ADVISORY", "MANDATORY", "PACK_NAME", "POLICIES"]

"""aiplat's own container image: the source of truth for its name and tag.

It is built from this repository's ``Dockerfile`` (aiplat with its ``features`` extra: Feast
with the Spark, Redis and AWS extras, a headless JRE for Spark, Iceberg's Spark runtime) and
runs what aiplat itself executes in a cluster: the serving log writer
(``aiplat lake serve-logs``) and Feast's apply Job and materialisation CronJob
(``aiplat features apply|materialize``). The tag is the project's version
(``pyproject.toml``); ``tests/test_dockerfile.py`` checks both stay in step.
"""

from __future__ import annotations

REPOSITORY = "ghcr.io/aiplat/aiplat"
TAG = "0.1.0"
IMAGE = (REPOSITORY, TAG)  # (repository, tag), as components.hardening.image takes them
UID = 65532  # the image's non-root user (components.hardening.NON_ROOT_UID)
JARS_DIR = "/opt/aiplat/jars"  # Iceberg's Spark runtime and AWS bundle, baked in

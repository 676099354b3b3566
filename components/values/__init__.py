"""Helm values as data modules: one module per chart, pure functions of typed inputs."""

"""Kubeflow Pipelines definitions (kfp SDK): the reference pipeline and its compiled IR."""

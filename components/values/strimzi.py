"""Values for Strimzi's ``strimzi-kafka-operator`` chart, and the Kafka version and settings
of the platform's ``aiplat-kafka`` cluster.

The operator runs with Strimzi's ``restricted`` pod security provider, so the Kafka pods it
creates meet Pod Security ``restricted`` (seccomp RuntimeDefault, all capabilities dropped);
the Kafka resource also sets the security contexts explicitly.
"""

from __future__ import annotations

from typing import Any

from components.values.engines_common import operator_hardening

NAMESPACE = "kafka"
RELEASE = "strimzi"
CLUSTER = "aiplat-kafka"
OPERATOR_PODS = (("name", "strimzi-cluster-operator"),)
# Strimzi 1.2.0 supports Kafka 4.2.x and 4.3.x (strimzi kafka-versions.yaml: 4.2.0 is the
# newest final release listed as supported; 4.3.0 was listed from a release candidate).
KAFKA_VERSION = "4.2.0"
TLS_PORT = 9093
BOOTSTRAP = f"{CLUSTER}-kafka-bootstrap.{NAMESPACE}.svc:{TLS_PORT}"
# The TLS listener's certificate comes from the mesh's cert-manager (the internal CA), not
# Strimzi's own cluster CA, so clients in other namespaces get the CA from their own
# cert-manager Certificate (its Secret carries ``ca.crt``) instead of a copied Secret.
LISTENER_SECRET = f"{CLUSTER}-listener-tls"


def listener_dns_names() -> tuple[str, ...]:
    """Names clients reach the listener by: the bootstrap Service and, through the
    brokers' headless Service, each broker (``<pod>.<cluster>-kafka-brokers.<ns>.svc``,
    Strimzi's advertised address)."""
    bootstrap = f"{CLUSTER}-kafka-bootstrap"
    brokers = f"*.{CLUSTER}-kafka-brokers.{NAMESPACE}.svc"
    return (
        bootstrap,
        f"{bootstrap}.{NAMESPACE}",
        f"{bootstrap}.{NAMESPACE}.svc",
        f"{bootstrap}.{NAMESPACE}.svc.cluster.local",
        brokers,
        f"{brokers}.cluster.local",
    )


KAFKA_UID = 1001  # the ``kafka`` user of the Strimzi images


def values() -> dict[str, Any]:
    hardened = operator_hardening()
    return {
        "watchNamespaces": [],  # its own namespace only
        "resources": hardened["resources"],
        "extraEnvs": [{"name": "STRIMZI_POD_SECURITY_PROVIDER_CLASS", "value": "restricted"}],
    }

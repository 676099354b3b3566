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
KAFKA_UID = 1001  # the ``kafka`` user of the Strimzi images


def values() -> dict[str, Any]:
    hardened = operator_hardening()
    return {
        "watchNamespaces": [],  # its own namespace only
        "resources": hardened["resources"],
        "extraEnvs": [{"name": "STRIMZI_POD_SECURITY_PROVIDER_CLASS", "value": "restricted"}],
    }

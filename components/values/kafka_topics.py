"""The Kafka topics of the serving data flows (seed design appendix B.3), and the broker
settings that follow from the cluster size; shared by Strimzi and MSK."""

from __future__ import annotations

from dataclasses import dataclass

RETENTION_MS = 7 * 24 * 3600 * 1000  # seven days


@dataclass(frozen=True, kw_only=True)
class Topic:
    name: str  # the Kafka topic name
    purpose: str

    @property
    def resource_name(self) -> str:
        """A Kubernetes name for the topic (no underscores)."""
        return self.name.replace("_", "-")


PREDICTION_LOG_TOPIC = "ml.prediction_log"  # serving responses (the log writer's topics)
FEATURE_LOG_TOPIC = "ml.feature_log"  # serving requests
TOPICS: tuple[Topic, ...] = (
    Topic(name=PREDICTION_LOG_TOPIC, purpose="prediction logs, for evaluation and retraining"),
    Topic(name=FEATURE_LOG_TOPIC, purpose="feature logs, back into the feature store"),
    Topic(name="ml.feedback", purpose="user feedback, for incremental model updates"),
)


def replication(brokers: int) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for ``brokers`` brokers: three copies where
    there are three brokers, and acknowledged writes survive one broker's loss."""
    factor = min(3, brokers)
    return factor, max(1, factor - 1)


def broker_config(brokers: int) -> dict[str, object]:
    factor, min_isr = replication(brokers)
    return {
        "default.replication.factor": factor,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": factor,
        "transaction.state.log.replication.factor": factor,
        "transaction.state.log.min.isr": min_isr,
        "auto.create.topics.enable": False,
    }

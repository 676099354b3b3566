"""Stack config is strict: every bad field is named with its fix, in one line."""

from __future__ import annotations

import pytest

from tiers.errors import SpecError
from tiers.resolve import resolve
from tiers.stack_config import StackConfig, parse_config

BASE = {"tier": "intermediate", "environment": "dev"}


def error_for(values: dict) -> str:
    with pytest.raises(SpecError) as caught:
        resolve("test", parse_config({**BASE, **values}))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"tier": "gold"},
            "aiplat:tier: Input should be 'poc', 'intermediate', 'advanced' or 'expert' (got 'gold')",
        ),
        (
            {"environment": "qa"},
            "aiplat:environment: Input should be 'dev', 'staging' or 'prod' (got 'qa')",
        ),
        ({"colour": "blue"}, "aiplat:colour: unknown key; fix: use one of: tier, environment"),
        (
            {"gpuPools": {"training": {"minNodes": -1}}},
            "aiplat:gpuPools.training.minNodes: Input should be greater than or equal to 0 (got -1)",
        ),
        (
            {"gpuPools": {"training": {"minNodes": 5, "maxNodes": 2}}},
            "aiplat:gpuPools.training: needs minNodes <= desiredNodes <= maxNodes (got 5, 2, 2)",
        ),
        (
            {"gpuPools": {"training": {"instanceType": "m7i.xlarge"}}},
            "aiplat:gpuPools.training.instanceType: m7i.xlarge has no known accelerator; fix: choose a GPU instance type",
        ),
        (
            {"gpuPools": {"training": {"instanceType": "x9.huge"}}},
            "aiplat:gpuPools.training.instanceType: unknown instance type 'x9.huge'; fix: use one of: g5.12xlarge",
        ),
        (
            {"gpuPools": {"training": {"instanceType": "g6.xlarge"}}},
            "aiplat:gpuPools.training.efa: g6.xlarge does not support EFA",
        ),
        (
            {"gpuPools": {"gpu": {"maxNodes": 1}}},
            "aiplat:gpuPools.gpu: tier intermediate has no GPU pool 'gpu'; fix: use one of: notebook, training, batch, inference",
        ),
        ({"gpuPools": {"training": {"nodes": 3}}}, "aiplat:gpuPools.training.nodes: unknown key"),
        (
            {"kubernetesVersion": "1.20"},
            "aiplat:kubernetesVersion: '1.20' is not a supported Kubernetes version; fix: use one of: 1.34, 1.35, 1.36",
        ),
        (
            {"regions": ["mars-1"]},
            "aiplat:regions: 'mars-1' is not an AWS region name such as us-east-1",
        ),
        ({"vpcCidr": "10.0.0.0/8"}, "aiplat:vpcCidr: must be an IPv4 network between /16 and /20"),
        (
            {"publicAccessCidrs": ["0.0.0.0/0"]},
            "aiplat:publicAccessCidrs: 0.0.0.0/0 opens the API server to the internet",
        ),
        ({"adminRoleArns": ["admin"]}, "aiplat:adminRoleArns: 'admin' is not an IAM role ARN"),
        ({"kubeContext": "lab"}, "aiplat:kubeContext: does not apply to target aws"),
        (
            {"target": "kubernetes", "vpcCidr": "10.1.0.0/16"},
            "aiplat:vpcCidr: does not apply to target kubernetes",
        ),
        (
            {"systemPool": {"minNodes": 0, "desiredNodes": 0}},
            "aiplat:systemPool.minNodes: the system pool needs at least one node",
        ),
        ({"gpuPools": "{oops"}, "aiplat:gpuPools: is not valid JSON"),
        (
            {"systemPool": {"instanceType": "g6.xlarge"}},
            "aiplat:systemPool.instanceType: g6.xlarge is an accelerated type",
        ),
        (
            {"kafkaBrokers": 0},
            "aiplat:kafkaBrokers: must be a broker count between 1 and 30 (got 0)",
        ),
        (
            {"kafkaBrokers": 3},
            "aiplat:kafkaBrokers: tier intermediate runs no Kafka; fix: remove aiplat:kafkaBrokers",
        ),
        (
            {"kubeflowOwner": "alice"},
            "aiplat:kubeflowOwner: must be the owner's e-mail, as the OIDC provider (Dex) names "
            "users (got 'alice')",
        ),
        (
            {"kubeflowOwner": "alice@example.com"},
            "aiplat:kubeflowOwner: tier intermediate has no Kubeflow profiles; "
            "fix: remove aiplat:kubeflowOwner",
        ),
    ],
)
def test_bad_config_names_the_field_and_the_fix(values, expected):
    message = error_for(values)
    assert message.startswith(expected), message
    assert "; fix: " in message


def test_values_from_the_pulumi_engine_arrive_as_strings_and_parse_like_yaml():
    from_engine = parse_config(
        {
            "tier": "poc",
            "environment": "prod",
            "devicePlugin": "false",
            "regions": '["eu-west-1"]',
            "gpuPools": '{"training": {"maxNodes": 9}}',
        }
    )
    from_yaml = parse_config(
        {
            "tier": "poc",
            "environment": "prod",
            "devicePlugin": False,
            "regions": ["eu-west-1"],
            "gpuPools": {"training": {"maxNodes": 9}},
        }
    )
    assert from_engine == from_yaml


def test_empty_values_mean_unset_as_pulumi_yaml_defaults_them():
    config = parse_config(
        {**BASE, "regions": [], "kubeconfig": "", "gpuPools": {}, "kubernetesVersion": ""}
    )
    assert config == StackConfig(tier="intermediate", environment="dev")


def test_the_stack_config_model_is_frozen():
    config = parse_config(BASE)
    with pytest.raises(Exception, match="frozen"):
        config.tier = "poc"


def test_overrides_replace_the_environment_scaled_sizes():
    platform = resolve(
        "t", parse_config({**BASE, "gpuPools": {"inference": {"desiredNodes": 7, "maxNodes": 10}}})
    )
    (inference,) = [p for p in platform.gpu_pools if p.name == "inference"]
    assert (inference.min_nodes, inference.desired_nodes, inference.max_nodes) == (0, 7, 10)


def test_kafka_brokers_replace_the_environment_scaled_broker_count():
    values = {"tier": "advanced", "environment": "dev"}
    scaled = resolve("t", parse_config(values)).engines
    chosen = resolve("t", parse_config({**values, "kafkaBrokers": "5"})).engines
    assert scaled.kafka_brokers != 5
    assert chosen.kafka_brokers == 5
    assert chosen.kafka_storage_gib == scaled.kafka_storage_gib  # the rest stays the tier's


def test_the_user_profile_belongs_to_the_stacks_owner_or_dexs_example_user():
    advanced = {"tier": "advanced", "environment": "dev"}
    assert resolve("t", parse_config(advanced)).kubeflow_owner == "user@example.com"
    chosen = parse_config({**advanced, "kubeflowOwner": "alice@example.com"})
    assert resolve("t", chosen).kubeflow_owner == "alice@example.com"
    intermediate = parse_config({"tier": "intermediate", "environment": "dev"})
    assert resolve("t", intermediate).kubeflow_owner is None

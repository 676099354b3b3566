"""Every chart aiplat installs is pinned to an exact version, names its licence and where the
pin came from; ChartPin refuses ranges, and builds the Helm Release arguments for each kind
of chart location."""

from __future__ import annotations

import re

import pytest

from tiers import pins
from tiers.pins import ChartPin

ALL = pins.all_chart_pins()
RANGE_MARKERS = ("latest", "*", "^", "~", "x", "X", ">", "<", "=", " ", "||")


def pin(**changes: object) -> ChartPin:
    fields: dict[str, object] = {
        "chart": "demo",
        "repository": "https://charts.example.com",
        "version": "1.2.3",
        "licence": "Apache-2.0",
        "source": "demo/demo tag 1.2.3",
    }
    fields.update(changes)
    return ChartPin(**fields)  # type: ignore[arg-type]


def test_the_pins_module_holds_every_platform_chart():
    expected = {
        "NVIDIA_DEVICE_PLUGIN",
        "CERT_MANAGER",
        "ISTIO_BASE",
        "ISTIOD",
        "ISTIO_CNI",
        "KUBE_PROMETHEUS_STACK",
        "DCGM_EXPORTER",
    }
    assert expected <= set(ALL)


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_chart_pin_is_an_exact_version(name):
    version = ALL[name].version
    assert re.fullmatch(r"v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", version), version
    core = version.removeprefix("v").split("-", 1)[0]
    assert not any(marker in core for marker in RANGE_MARKERS), version


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_chart_pin_names_a_licence_and_a_source(name):
    chart = ALL[name]
    assert re.fullmatch(r"[A-Za-z0-9.+-]+( (AND|OR) [A-Za-z0-9.+-]+)*", chart.licence)
    assert len(chart.source) > 10


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_chart_pin_has_a_location_helm_understands(name):
    chart = ALL[name]
    if chart.repository is None:
        assert chart.chart.startswith("https://") and chart.chart.endswith(".tgz")
    else:
        assert chart.repository.startswith(("https://", "oci://"))


def test_the_dcgm_exporter_pin_is_nvidias_chart_under_apache_2():
    dcgm = pins.DCGM_EXPORTER
    assert (dcgm.chart, dcgm.repository, dcgm.version, dcgm.licence) == (
        "dcgm-exporter",
        "https://nvidia.github.io/dcgm-exporter/helm-charts",
        "4.8.2",
        "Apache-2.0",
    )
    assert "NVIDIA/dcgm-exporter" in dcgm.source


@pytest.mark.parametrize(
    "version",
    [
        "latest",
        "*",
        "^1.2.3",
        "~1.2.3",
        "1.2.x",
        "1.x",
        ">=1.2.3",
        "1.2",
        "1",
        "",
        "1.2.3 || 1.3.0",
    ],
)
def test_chart_pin_rejects_a_range_with_the_exact_error(version):
    with pytest.raises(ValueError) as error:
        pin(version=version)
    assert str(error.value) == f"chart demo: pin an exact version (got {version!r})"


@pytest.mark.parametrize("version", ["1.2.3", "v1.21.1", "0.20.0", "2.0.0-rc.1", "4.8.2"])
def test_chart_pin_accepts_an_exact_version(version):
    assert pin(version=version).version == version


def test_chart_pin_needs_a_licence():
    with pytest.raises(ValueError) as error:
        pin(licence="")
    assert str(error.value) == "chart demo: name the licence of what it installs"


def test_chart_pin_without_a_repository_must_be_a_url():
    with pytest.raises(ValueError) as error:
        pin(repository=None)
    assert str(error.value) == "chart demo: without a repository, chart must be a URL"


@pytest.mark.parametrize(
    ("repository", "chart", "expected"),
    [
        (
            "https://charts.jetstack.io",
            "cert-manager",
            {
                "chart": "cert-manager",
                "version": "1.2.3",
                "repository_opts": {"repo": "https://charts.jetstack.io"},
            },
        ),
        (
            "oci://ghcr.io/kubeflow/charts",
            "kubeflow-trainer",
            {"chart": "oci://ghcr.io/kubeflow/charts/kubeflow-trainer", "version": "1.2.3"},
        ),
        (
            None,
            "https://example.com/releases/fate-v1.2.3.tgz",
            {"chart": "https://example.com/releases/fate-v1.2.3.tgz", "version": "1.2.3"},
        ),
    ],
    ids=["https-repository", "oci-registry", "url-only"],
)
def test_release_args_for_each_kind_of_chart_location(repository, chart, expected):
    assert pin(repository=repository, chart=chart).release_args() == expected


def test_istio_charts_share_one_version_and_repository():
    istio = [pins.ISTIO_BASE, pins.ISTIOD, pins.ISTIO_CNI]
    assert len({(p.version, p.repository) for p in istio}) == 1
    assert [p.chart for p in istio] == ["base", "istiod", "cni"]

"""aiplat's image as code: the Dockerfile pins every version (base image, JRE, Iceberg jars,
Feast), runs as the non-root user the pods expect, keeps HOME on /tmp for a read-only root
filesystem, installs every package of the project with the ``features`` extra, and its tag
and Feast are the ones the rest of aiplat uses. No Docker engine here: it is parsed, not built."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from components import serving_backends
from components.hardening import NON_ROOT_UID
from components.values import aiplat_image, feast
from tiers import pins

ROOT = Path(__file__).resolve().parents[1]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, rest = pending.partition(" ")
        found.append((keyword.upper(), " ".join(rest.split())))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return found


DOCKERFILE = instructions((ROOT / "Dockerfile").read_text())
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def of(keyword: str) -> list[str]:
    return [rest for kw, rest in DOCKERFILE if kw == keyword]


def features_extra() -> dict[str, Requirement]:
    requirements = [
        Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["features"]
    ]
    return {r.name: r for r in requirements}


def test_the_base_image_is_a_pinned_slim_python():
    (base,) = of("FROM")
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-bookworm", base), base


def test_the_jre_is_a_pinned_headless_debian_package():
    installs = [a for a in of("RUN") if "apt-get install" in a]
    (install,) = installs
    packages = [w for w in shlex.split(install.split("apt-get install", 1)[1]) if "=" in w]
    names = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in packages}
    assert list(names) == ["openjdk-17-jre-headless"]  # Spark 4.0 needs Java 17 or 21
    assert re.fullmatch(r"17\.\d+\.\d+\+\d+-\S+", names["openjdk-17-jre-headless"])
    assert "--no-install-recommends" in install
    assert "rm -rf /var/lib/apt/lists/*" in install


def test_the_iceberg_jars_the_offline_store_loads_are_baked_in_at_their_pinned_version():
    added = [a.split() for a in of("ADD")]
    assert all(dest == f"{aiplat_image.JARS_DIR}/" for _, dest in added)
    urls = [url for url, _ in added]
    assert all(url.startswith("https://repo1.maven.org/maven2/org/apache/iceberg/") for url in urls)
    baked = sorted(f"{aiplat_image.JARS_DIR}/{url.rsplit('/', 1)[1]}" for url in urls)
    assert baked == sorted(feast.ICEBERG_JARS)
    for url in urls:
        artifact, version = url.split("/")[-3:-1]
        assert url.endswith(f"/{artifact}/{version}/{artifact}-{version}.jar")
        assert version == feast.ICEBERG_VERSION
    conf = feast.spark_conf(warehouse="s3://w/", catalog="glue", catalog_uri=None, s3_endpoint=None)
    assert conf["spark.jars"].split(",") == list(feast.ICEBERG_JARS)
    assert "spark.jars.packages" not in conf  # nothing is downloaded at run time


def test_it_runs_as_the_non_root_user_the_pods_run_as():
    (user,) = of("USER")
    assert user == f"{NON_ROOT_UID}:{NON_ROOT_UID}"
    assert aiplat_image.UID == NON_ROOT_UID != 0
    (useradd,) = [a for a in of("RUN") if "useradd" in a]
    assert f"--uid {NON_ROOT_UID}" in useradd
    assert DOCKERFILE[-1][0] in ("CMD", "ENTRYPOINT")
    assert [kw for kw, _ in DOCKERFILE].index("USER") > max(
        i for i, (kw, _) in enumerate(DOCKERFILE) if kw == "RUN"
    )


def test_home_and_scratch_paths_are_under_tmp_for_a_read_only_root_filesystem():
    env = dict(shlex.split(item)[0].split("=", 1) for a in of("ENV") for item in a.split())
    assert env["HOME"] == "/tmp"
    assert env["TMPDIR"] == "/tmp"
    assert env["SPARK_LOCAL_DIRS"].startswith("/tmp/")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["FEAST_USAGE"] == "False"


def image_requirements() -> list[str]:
    """Run the Dockerfile's own requirements script (its ``python -c``) on pyproject.toml."""
    (install,) = [a for a in of("RUN") if "pip install" in a]
    script = shlex.split(install.split("python -c", 1)[1].split(">", 1)[0])[0]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_it_installs_every_package_of_the_project_not_editable():
    (install,) = [a for a in of("RUN") if "pip install" in a]
    assert "pip install --no-deps . " in install and "-e " not in install
    assert "pip install -r /tmp/requirements.txt" in install
    copied = {a.split()[0] for a in of("COPY")}
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {p.rstrip("*") for p in include} <= copied
    assert {"pyproject.toml", "README.md"} <= set(" ".join(of("COPY")).split())


def test_it_installs_the_dependencies_and_the_features_extra_but_not_the_pulumi_sdks():
    # Feast 0.66 pins dill~=0.3 and Pulumi 3.2xx dill~=0.4: the image runs no Pulumi program.
    requirements = image_requirements()
    names = [Requirement(r).name for r in requirements]
    project = PYPROJECT["project"]
    expected = [
        Requirement(r).name for r in project["dependencies"] if not r.startswith("pulumi")
    ] + list(features_extra())
    assert names == expected
    assert not [n for n in names if n.startswith("pulumi")]
    assert {"pyiceberg", "kafka-python", "typer", "feast", "pyspark"} <= set(names)


def test_feast_is_pinned_with_its_spark_redis_and_aws_extras_at_the_feature_servers_version():
    extra = features_extra()
    feast_req = extra["feast"]
    assert str(feast_req.specifier) == f"=={pins.FEAST_FEATURE_SERVER.version}"
    assert {"spark", "redis", "aws"} <= feast_req.extras
    for requirement in extra.values():
        assert str(requirement.specifier).startswith("=="), requirement


def test_pyspark_stays_on_the_spark_line_of_the_iceberg_runtime():
    pyspark = features_extra()["pyspark"]
    (version,) = (s.version for s in pyspark.specifier)
    runtime = next(j for j in feast.ICEBERG_JARS if "spark-runtime" in j)
    spark_line = re.search(r"runtime-(\d+\.\d+)_", runtime).group(1)
    assert version.startswith(f"{spark_line}.")


@pytest.mark.parametrize("name", ["feast", "pyspark"])
def test_the_dev_install_does_not_pull_feast_or_pyspark(name):
    dev = [Requirement(r).name for r in PYPROJECT["project"]["optional-dependencies"]["dev"]]
    assert name not in dev
    assert name not in [Requirement(r).name for r in PYPROJECT["project"]["dependencies"]]


def test_the_image_tag_is_the_projects_version_and_the_log_writer_uses_it():
    assert PYPROJECT["project"]["version"] == aiplat_image.TAG
    assert (
        serving_backends.LOG_WRITER_IMAGE
        == aiplat_image.IMAGE
        == ("ghcr.io/aiplat/aiplat", "0.1.0")
    )
    assert f"{aiplat_image.REPOSITORY}:{aiplat_image.TAG}" in (ROOT / "Dockerfile").read_text()

# aiplat's own image, ghcr.io/aiplat/aiplat:0.1.0 (components/values/aiplat_image.py).
# It runs what aiplat executes in a cluster: the serving log writer (aiplat lake serve-logs)
# and Feast's apply Job and materialisation CronJob (aiplat features apply|materialize) with
# Feast's Spark offline store over the Iceberg lake.
#
#   docker build -t ghcr.io/aiplat/aiplat:0.1.0 .
#
# Every version is pinned; tests/test_dockerfile.py checks the pins (and that Feast's matches
# the feature server's). The pods run with a read-only root filesystem: HOME and every
# scratch path are under /tmp, which the pod mounts as an emptyDir.
FROM python:3.12.11-slim-bookworm

ENV HOME=/tmp \
    TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FEAST_USAGE=False \
    SPARK_LOCAL_DIRS=/tmp/spark \
    XDG_CACHE_HOME=/tmp/.cache

# A headless JRE for Spark 4.0 (Java 17), from Debian bookworm, pinned.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        openjdk-17-jre-headless=17.0.19+10-1~deb12u2 \
    && rm -rf /var/lib/apt/lists/*

# Iceberg's Spark 4.0 runtime and AWS bundle (components/values/feast.py ICEBERG_JARS),
# baked in so the Jobs download nothing at run time.
ADD https://repo1.maven.org/maven2/org/apache/iceberg/iceberg-spark-runtime-4.0_2.13/1.10.0/iceberg-spark-runtime-4.0_2.13-1.10.0.jar /opt/aiplat/jars/
ADD https://repo1.maven.org/maven2/org/apache/iceberg/iceberg-aws-bundle/1.10.0/iceberg-aws-bundle-1.10.0.jar /opt/aiplat/jars/
RUN chmod 0644 /opt/aiplat/jars/*.jar

# aiplat (not editable) with its dependencies and its features extra (Feast with its spark,
# redis and aws extras), but without the Pulumi SDKs: the image never runs a Pulumi program,
# and Feast 0.66 (dill~=0.3) cannot share an environment with Pulumi 3.2xx (dill~=0.4).
WORKDIR /opt/aiplat/src
COPY pyproject.toml README.md ./
COPY aiplat aiplat
COPY components components
COPY tiers tiers
COPY tco tco
COPY policies policies
COPY pipelines pipelines
RUN pip install --no-deps . \
    && python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join([d for d in p['dependencies'] if not d.startswith('pulumi')] + p['optional-dependencies']['features']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm -rf /opt/aiplat/src /tmp/requirements.txt

# The non-root user the pods run as (components.hardening.NON_ROOT_UID).
RUN groupadd --gid 65532 aiplat \
    && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home \
        --shell /usr/sbin/nologin aiplat
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["aiplat"]
CMD ["--help"]

"""aiplat features: register and materialise the Feast feature repository aiplat generates
(``feature_store.yaml`` and ``features.py``, :mod:`components.values.feast`).

In a cluster these run on aiplat's image as FeatureStore's ``feast apply`` Job and
materialisation CronJob; anywhere else they take a repository directory. Feast is imported
only inside the commands (it is the optional ``features`` extra, not a dependency).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from tiers.errors import SpecError

app = typer.Typer(help="Feast: register the generated feature repository, materialise features.")

CONFIG_FILE = "feature_store.yaml"
RepoOpt = Annotated[
    Path,
    typer.Option(
        "--repo",
        "-r",
        help="The feature repository: a directory with feature_store.yaml and features.py.",
    ),
]


def repo_dir(repo: Path) -> Path:
    """The repository directory, checked: it exists and holds ``feature_store.yaml``."""
    if not repo.is_dir():
        raise SpecError(
            "--repo", f"{repo} is not a directory", "pass the feature repository's directory"
        )
    if not (repo / CONFIG_FILE).is_file():
        raise SpecError(
            "--repo",
            f"no {CONFIG_FILE} in {repo}",
            "pass the directory FeatureStore renders (feature_store.yaml and features.py)",
        )
    return repo.resolve()


def import_feast() -> Any:
    try:
        import feast
    except ImportError:
        raise SpecError(
            "feast",
            "Feast is not installed",
            "run it on aiplat's image, or pip install the features extra's pins "
            "(pyproject.toml) beside aiplat installed with --no-deps, as the Dockerfile does "
            "(Feast 0.66 and the Pulumi SDKs need different dill)",
        ) from None
    return feast


def _failed(step: str, exc: Exception) -> typer.Exit:
    """A Feast failure as one line on stderr (AIPLAT_DEBUG=1 re-raises for the traceback)."""
    if os.environ.get("AIPLAT_DEBUG") == "1":
        raise exc
    message = " ".join(str(exc).split()) or type(exc).__name__
    typer.echo(f"error: feast {step}: {type(exc).__name__}: {message}", err=True)
    return typer.Exit(1)


def _store(repo: Path) -> Any:
    feast = import_feast()
    os.environ.setdefault("FEAST_USAGE", "False")
    return feast.FeatureStore(repo_path=str(repo))


def _with_repo_importable(repo: Path, parse: Any) -> Any:
    """``parse(repo)`` with the repository's modules importable the way Feast names them
    (relative to the working directory), then the working directory, ``sys.path`` and the
    module cache as they were (so a changed ``features.py`` is read again)."""
    cwd = Path.cwd()
    os.chdir(repo)
    sys.path.insert(0, str(repo))
    try:
        return parse(repo)
    finally:
        os.chdir(cwd)
        sys.path.remove(str(repo))
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(f"{repo}{os.sep}"):
                del sys.modules[name]


def apply_repo(repo: Path) -> dict[str, int]:
    """What ``feast apply`` does, through Feast's Python API: register the repository's
    objects and delete the ones it no longer defines (idempotent: a second run changes
    nothing). Returns the registered objects' counts."""
    from feast.project import Project
    from feast.repo_operations import apply_total_with_repo_instance, parse_repo

    store = _store(repo)
    contents = _with_repo_importable(repo, parse_repo)
    if not contents.projects:
        contents.projects.append(Project(name=store.project, description=""))
    apply_total_with_repo_instance(
        store, store.project, store.registry, contents, skip_source_validation=False
    )
    return {
        "entities": len(store.list_entities()),
        "feature views": len(store.list_feature_views()),
        "feature services": len(store.list_feature_services()),
    }


def materialize_repo(repo: Path, end: datetime) -> list[str]:
    """Load each feature view's new rows up to ``end`` into the online store (Feast
    remembers how far it got; the first run starts at the view's TTL). Returns the views."""
    store = _store(repo)
    store.materialize_incremental(end_date=end)
    return sorted(v.name for v in store.list_feature_views())


@app.command()
def apply(repo: RepoOpt = Path(".")) -> None:
    """Register the repository's entities, feature views and services (feast apply)."""
    path = repo_dir(repo)
    import_feast()
    try:
        counts = apply_repo(path)
    except Exception as exc:
        raise _failed("apply", exc) from exc
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    typer.echo(f"feast apply: {summary} registered")


@app.command()
def materialize(repo: RepoOpt = Path(".")) -> None:
    """Materialise every feature view's new rows, up to now, into the online store."""
    path = repo_dir(repo)
    import_feast()
    end = datetime.now(UTC)
    try:
        views = materialize_repo(path, end)
    except Exception as exc:
        raise _failed("materialize", exc) from exc
    typer.echo(f"feast materialize: {', '.join(views)} up to {end.isoformat(timespec='seconds')}")

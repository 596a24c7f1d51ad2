"""Where runs go: resolve, check and configure the MLflow tracking target."""

from __future__ import annotations

import os
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import mlflow

from npp_rl.tracking.redact import install_log_filter, redact_text, redact_uri

#: URI schemes the tracking layer accepts (SQLAlchemy dialects for a database backend).
_DB_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
_HTTP_SCHEMES = ("http", "https")


class TrackingError(RuntimeError):
    """The tracking target is malformed, unreachable or refuses us."""


@dataclass(frozen=True)
class TrackingTarget:
    """A resolved tracking target."""

    uri: str
    """The MLflow tracking URI."""
    artifact_root: str | None
    """Where new experiments keep artifacts (embedded default only; servers decide themselves)."""
    embedded: bool
    """True for the embedded default (SQLite file + local artifact folder, no server)."""
    source: str
    """Which rule picked the URI: 'flag', 'env' or 'default'."""


def npp_rl_home() -> Path:
    """Folder of the embedded default: ``$NPP_RL_HOME`` or ``./.npp-rl`` (absolute)."""
    return Path(os.environ.get("NPP_RL_HOME") or ".npp-rl").expanduser().resolve()


def _sqlite_artifacts(uri: str) -> str | None:
    """A SQLite store keeps its artifacts in the ``artifacts`` folder beside the database file."""
    if uri.startswith("sqlite:///") and len(uri) > len("sqlite:///"):
        return (Path(uri[len("sqlite:///") :]).parent / "artifacts").resolve().as_uri()
    return None


def resolve_tracking(explicit: str | None = None) -> TrackingTarget:
    """explicit flag > ``MLFLOW_TRACKING_URI`` > the embedded default."""
    for uri, source in ((explicit, "flag"), (os.environ.get("MLFLOW_TRACKING_URI"), "env")):
        if uri:
            art = _sqlite_artifacts(uri)
            return TrackingTarget(uri, art, art is not None, source)
    home = npp_rl_home()
    return TrackingTarget(f"sqlite:///{home / 'mlflow.db'}", (home / "artifacts").as_uri(), True, "default")


def _check_http(uri: str, timeout: float) -> None:
    import requests

    shown = redact_uri(uri)
    url = uri.rstrip("/") + "/health"
    try:
        resp = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise TrackingError(
            f"MLflow tracking server {shown} is unreachable ({type(exc).__name__}: {redact_text(str(exc))}). "
            "Start it (`npp-rl stack up`), fix --tracking-uri / MLFLOW_TRACKING_URI, or unset both "
            "to use the embedded default."
        ) from None
    if resp.status_code != 200:
        raise TrackingError(f"MLflow tracking server {shown} answered {resp.status_code} on /health")


def check_target(target: TrackingTarget, timeout: float = 5.0) -> None:
    """Raise :class:`TrackingError` when the URI is malformed or the server cannot be reached."""
    uri = target.uri
    shown = redact_uri(uri)
    parsed = urllib.parse.urlparse(uri)
    scheme = parsed.scheme.split("+", 1)[0]
    if scheme in _HTTP_SCHEMES:
        if not parsed.hostname:
            raise TrackingError(f"malformed tracking URI {shown!r}: no host")
        try:
            parsed.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise TrackingError(f"malformed tracking URI {shown!r}: {exc}") from None
        _check_http(uri, timeout)
    elif scheme == "sqlite":
        path = uri[len("sqlite:///") :] if uri.startswith("sqlite:///") else ""
        if not path:
            raise TrackingError(f"malformed tracking URI {shown!r}: expected sqlite:///ABSOLUTE/PATH.db")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    elif scheme in _DB_SCHEMES:
        pass  # the database itself is checked by MLflow on first use
    elif scheme in ("file", "") and uri:
        Path(parsed.path or uri).mkdir(parents=True, exist_ok=True)
    elif scheme == "databricks":
        pass
    else:
        raise TrackingError(
            f"malformed tracking URI {shown!r}: scheme {scheme!r} is not one of "
            f"{', '.join(_HTTP_SCHEMES + _DB_SCHEMES + ('file',))}"
        )


def configure(explicit: str | None = None, quiet: bool = False) -> TrackingTarget:
    """Resolve and check the tracking target, point MLflow at it and say where runs go."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # per-file download bars drown the command's own progress lines
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    target = _credentials_to_env(resolve_tracking(explicit))
    check_target(target)
    mlflow.set_tracking_uri(target.uri)
    if target.embedded:
        os.environ.setdefault("MLFLOW_TRACKING_URI", target.uri)  # child processes follow
    install_log_filter("mlflow")
    if not quiet:
        where = f"tracking: {redact_uri(target.uri)}"
        if target.artifact_root:
            where += f"  artifacts: {target.artifact_root}"
        print(where, file=sys.stderr)
    _CURRENT["target"] = target
    return target


_CURRENT: dict[str, TrackingTarget] = {}


def _credentials_to_env(target: TrackingTarget) -> TrackingTarget:
    """``http(s)://user:password@host`` -> ``http(s)://host`` with the credentials in
    ``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD`` (MLflow's own client reads them there),
    so no URI this process holds, prints (MLflow's "View run at" lines) or logs carries them."""
    parts = urllib.parse.urlsplit(target.uri)
    if parts.scheme not in _HTTP_SCHEMES or "@" not in parts.netloc:
        return target
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    if user:
        os.environ["MLFLOW_TRACKING_USERNAME"] = urllib.parse.unquote(user)
    if password:
        os.environ["MLFLOW_TRACKING_PASSWORD"] = urllib.parse.unquote(password)
    clean = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return TrackingTarget(clean, target.artifact_root, target.embedded, target.source)


def current_target() -> TrackingTarget:
    """The target set by :func:`configure` (configuring the default if nothing was set)."""
    return _CURRENT.get("target") or configure(quiet=True)


#: MLflow's UI opens an experiment of this kind on its runs table and charts (not the GenAI traces view)
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


def get_or_create_experiment(name: str) -> str:
    """The id of experiment ``name``, created (with the embedded artifact root) if missing; tagged
    ``mlflow.experimentKind=custom_model_development`` so the UI shows it as a model comparison."""
    if not name or not name.strip():
        raise ValueError("experiment name must not be empty")
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        if exp.lifecycle_stage == "deleted":
            mlflow.tracking.MlflowClient().restore_experiment(exp.experiment_id)
        if any(exp.tags.get(k) != v for k, v in EXPERIMENT_KIND.items()):
            for k, v in EXPERIMENT_KIND.items():
                mlflow.tracking.MlflowClient().set_experiment_tag(exp.experiment_id, k, v)
        return exp.experiment_id
    target = current_target()
    location = None
    if target.embedded and target.artifact_root:
        location = f"{target.artifact_root}/{urllib.parse.quote(name, safe='')}"
    return mlflow.create_experiment(name, artifact_location=location, tags=dict(EXPERIMENT_KIND))

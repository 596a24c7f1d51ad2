"""Models in MLflow: log a policy as pyfunc, register it, move aliases, load by URI."""

from __future__ import annotations

import importlib.metadata as md
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from npp_rl.tracking.policy_pyfunc import POLICY_ARTIFACT

PACKAGE_DIR = Path(__file__).resolve().parents[1]

#: Distributions a logged policy needs at inference; versions pinned to what trained it.
_RUNTIME_DISTS = ("mlflow", "torch", "stable-baselines3", "gymnasium", "torch-geometric", "numpy",
                  "pandas", "cloudpickle", "numba")


def model_name(architecture: str) -> str:
    """Registry name of an architecture's policies."""
    return f"npp-rl-{architecture}"


def pip_requirements() -> list[str]:
    """Explicit requirements (no slow inference by MLflow): pinned to the running versions."""
    reqs = []
    for dist in _RUNTIME_DISTS:
        try:
            version = md.version(dist).split("+", 1)[0]  # torch 2.13.0+cpu -> 2.13.0
        except md.PackageNotFoundError:
            continue
        reqs.append(f"{dist}=={version}")
    return reqs


#: model-from-code file of :class:`PolicyPyfunc` (no CloudPickle)
POLICY_MODEL_CODE = Path(__file__).with_name("policy_model.py")


def log_pyfunc(python_model: mlflow.pyfunc.PythonModel | str | Path, *, name: str, artifacts: Mapping[str, str],
               registered_model_name: str | None = None, metadata: Mapping[str, Any] | None = None):
    """Log ``python_model`` (an instance, or a model-from-code file) with npp_rl's own code and explicit
    requirements; returns ModelInfo."""
    return mlflow.pyfunc.log_model(
        name=name,
        python_model=str(python_model) if isinstance(python_model, (str, Path)) else python_model,
        artifacts=dict(artifacts),
        code_paths=[str(PACKAGE_DIR)],
        pip_requirements=pip_requirements(),
        registered_model_name=registered_model_name,
        metadata=dict(metadata or {}),
    )


def log_policy(model_path: str | Path, *, name: str = "model", registered_model_name: str | None = None,
               metadata: Mapping[str, Any] | None = None):
    """Log an SB3 policy zip as a :class:`PolicyPyfunc` (and register it when a name is given)."""
    path = Path(model_path)
    if not path.is_file():
        raise FileNotFoundError(f"policy file {path} does not exist")
    return log_pyfunc(POLICY_MODEL_CODE, name=name, artifacts={POLICY_ARTIFACT: str(path)},
                      registered_model_name=registered_model_name, metadata=metadata)


def register_model(model_uri: str, name: str, tags: Mapping[str, Any] | None = None) -> str:
    """Register ``model_uri`` under ``name``; returns the new version (waits until READY)."""
    mv = mlflow.register_model(model_uri, name, tags={k: str(v) for k, v in (tags or {}).items()})
    client = MlflowClient()
    for _ in range(60):
        if client.get_model_version(name, mv.version).status == "READY":
            break
        time.sleep(0.5)
    return str(mv.version)


def set_alias(name: str, alias: str, version: str | int) -> None:
    """Point ``name@alias`` at ``version`` (moving it if it pointed elsewhere)."""
    MlflowClient().set_registered_model_alias(name, alias, str(version))


def get_alias_version(name: str, alias: str) -> str | None:
    """The version ``name@alias`` points at, or None."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load_pyfunc(uri: str):
    """Load a model by ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or ``runs:/ID/PATH``.

    An unknown URI raises ``LookupError`` naming it.
    """
    try:
        return mlflow.pyfunc.load_model(uri)
    except MlflowException as exc:
        raise LookupError(f"cannot load model {uri!r}: {exc.message}") from None

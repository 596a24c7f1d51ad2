"""What every run records: tags, resolved config, command line, git commit and seed."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import mlflow

from npp_rl.tracking.redact import redact_text
from npp_rl.tracking.uri import current_target, get_or_create_experiment

TAG_STEP = "npp_rl.step"
TAG_ARCH = "npp_rl.architecture"
TAG_CONDITION = "npp_rl.condition"
TAG_DATASET = "npp_rl.dataset"
TAG_SEED = "npp_rl.seed"
TAG_COMMAND = "npp_rl.command"
TAG_GIT = "npp_rl.git_commit"
STEPS = ("generate_levels", "pretrain", "train", "evaluate", "compare", "pipeline", "bench", "sweep", "tune")

#: MLflow caps a param value at 6000 characters; longer values are cut with a marker.
_PARAM_MAX = 6000


def config_to_dict(config: Any) -> dict[str, Any]:
    """A dataclass (nested allowed) or mapping as a plain JSON-able dict, secrets in URIs redacted."""
    if config is None:
        return {}
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dataclass or a mapping, got {type(config).__name__}")

    def clean(v: Any) -> Any:
        if isinstance(v, Mapping):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, (str, Path)):
            return redact_text(str(v))
        if isinstance(v, (int, float, bool)) or v is None:
            return v
        return redact_text(str(v))

    return clean(dict(config))


def flatten_config(config: Any, prefix: str = "") -> dict[str, str]:
    """Nested config as flat ``a.b.c`` -> string params (lists joined by commas)."""
    flat: dict[str, str] = {}
    for key, value in config_to_dict(config).items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_config(value, prefix=f"{name}."))
        else:
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            flat[name] = text if len(text) <= _PARAM_MAX else text[: _PARAM_MAX - 3] + "..."
    return flat


def git_commit(path: Path | None = None) -> str | None:
    """The git commit of the working tree npp-rl runs from (``-dirty`` if it has changes)."""
    here = path or Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        if not sha:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def command_line() -> str:
    """The command line of this process, as a shell would show it (URIs redacted)."""
    argv = [redact_text(a) for a in sys.argv]
    if argv and argv[0].endswith(("npp-rl", "cli.py", "__main__.py")):
        argv[0] = "npp-rl"
    return shlex.join(argv)


def log_config(config: Any, artifact_file: str = "config.json", params: bool = True) -> None:
    """Log the resolved config as a JSON artifact and (flattened) as params of the active run."""
    data = config_to_dict(config)
    mlflow.log_dict(data, artifact_file)
    if params:
        flat = flatten_config(data)
        items = list(flat.items())
        for i in range(0, len(items), 100):  # MLflow batches at most 100 params per call
            mlflow.log_params(dict(items[i : i + 100]))


@contextlib.contextmanager
def start_run(
    experiment_name: str,
    *,
    step: str,
    run_name: str | None = None,
    config: Any = None,
    seed: int | None = None,
    tags: Mapping[str, Any] | None = None,
    parent_run_id: str | None = None,
    resume_run_id: str | None = None,
    nested: bool = False,
    log_params: bool = True,
) -> Iterator[mlflow.ActiveRun]:
    """Start (or resume) a tracked run with npp-rl's provenance; see the package docstring."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; expected one of {', '.join(STEPS)}")
    current_target()  # make sure the tracking URI is configured
    # `mlflow run` hands its run to us through MLFLOW_RUN_ID; start_run() removes it from the
    # environment, so read it first.
    env_run_id = os.environ.get("MLFLOW_RUN_ID")
    run_id = resume_run_id or (env_run_id if not nested and parent_run_id is None else None)
    experiment_id = None if run_id else get_or_create_experiment(experiment_name)
    all_tags = {TAG_STEP: step, TAG_COMMAND: command_line()[:5000]}
    commit = git_commit()
    if commit:
        all_tags[TAG_GIT] = commit
    if seed is not None:
        all_tags[TAG_SEED] = str(seed)
    for k, v in (tags or {}).items():
        if v is not None:
            all_tags[k] = redact_text(str(v))
    if parent_run_id:
        all_tags["mlflow.parentRunId"] = parent_run_id
    kwargs: dict[str, Any] = {"run_id": run_id} if run_id else {
        "experiment_id": experiment_id,
        "run_name": run_name,
    }
    with mlflow.start_run(nested=nested or bool(parent_run_id) and mlflow.active_run() is not None, **kwargs) as run:
        if run_name and run_id:
            mlflow.set_tag("mlflow.runName", run_name)
        mlflow.set_tags(all_tags)
        if config is not None and not resume_run_id:
            log_config(config, params=log_params)
        yield run


def find_runs(experiment_name: str, filter_tags: Mapping[str, str] | None = None, status: str | None = None):
    """Runs of an experiment as a pandas DataFrame, selected by npp-rl tags (never by folders)."""
    exp = mlflow.get_experiment_by_name(experiment_name)
    if exp is None:
        raise LookupError(f"experiment {experiment_name!r} does not exist on "
                         f"{redact_text(mlflow.get_tracking_uri())}")
    clauses = [f"tags.`{k}` = '{v}'" for k, v in (filter_tags or {}).items()]
    if status:
        clauses.append(f"attributes.status = '{status}'")
    return mlflow.search_runs([exp.experiment_id], filter_string=" and ".join(clauses), max_results=50000)

"""Checkpoints: the PPO zip (policy + optimiser + step counters), RNG states and a small manifest.

Layout (locally under ``<output_dir>/<run_id>/checkpoints/`` and in the run's artifacts under
``checkpoints/``, where each save overwrites the previous one)::

    model.zip   SB3 save: policy and optimiser state, num_timesteps, _n_updates, ...
    rng.pt      per-rank RNG states (python, numpy, torch, cuda)
    meta.json   global_step, local_step, world_size, architecture, run_id, config
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

META = "meta.json"
MODEL = "model.zip"
RNG = "rng.pt"
ARTIFACT_PATH = "checkpoints"


def rng_state() -> dict:
    st = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(st: dict) -> None:
    random.setstate(st["python"])
    np.random.set_state(st["numpy"])
    torch.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def save(model, directory: Path, meta: dict, rng_states: list) -> Path:
    """Write a checkpoint atomically (temp folder then rename); returns its folder."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".ckpt-", dir=directory.parent))
    model.save(tmp / MODEL)
    torch.save(rng_states, tmp / RNG)
    (tmp / META).write_text(json.dumps(meta, indent=2, default=str))
    if directory.exists():
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(directory)
    return directory


def upload(directory: Path, run_id: str) -> bool:
    """Log the checkpoint files as run artifacts; False (and a warning) when the server is away."""
    import sys

    from mlflow import MlflowClient

    try:
        MlflowClient().log_artifacts(run_id, str(directory), artifact_path=ARTIFACT_PATH)
        return True
    except Exception as e:  # keep training; the next checkpoint retries
        print(f"checkpoint upload failed ({type(e).__name__}: {e}); kept locally at {directory}", file=sys.stderr)
        return False


def locate(run_id: str, output_dir: str | Path, run_dir: str | Path | None = None) -> Path:
    """The newest checkpoint of ``run_id``: the local copy if present (in ``run_dir`` when the run
    wrote its files there, else ``<output_dir>/<run_id>``), else the run's artifacts."""
    local = (Path(run_dir) if run_dir else Path(output_dir) / run_id) / ARTIFACT_PATH
    if (local / META).is_file():
        return local
    import mlflow

    try:
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=ARTIFACT_PATH,
                                                   dst_path=tempfile.mkdtemp(prefix="npp-rl-resume-"))
    except Exception as e:
        raise FileNotFoundError(f"--resume-from {run_id}: no checkpoint locally ({local}) or in the run's "
                                f"artifacts ({type(e).__name__}: {e})") from None
    p = Path(path)
    if not (p / META).is_file():
        raise FileNotFoundError(f"--resume-from {run_id}: checkpoint artifacts lack {META}")
    return p


def read_meta(directory: Path) -> dict:
    return json.loads((Path(directory) / META).read_text())

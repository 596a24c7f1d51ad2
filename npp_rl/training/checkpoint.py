"""Checkpoints without pickle: tensors, plain arrays and JSON, each file checked against its hash.

Layout (locally under ``<output_dir>/<run_id>/checkpoints/`` and in the run's artifacts under
``checkpoints/``, where each save overwrites the previous one)::

    policy.pt      the policy's state_dict (tensors only; read with ``torch.load(weights_only=True)``)
    optimizer.pt   the optimiser's state_dict (likewise)
    state.npz      per-rank arrays ``rank<R>/...``: torch, numpy and CUDA RNG states, the last
                   observation and episode starts (read with ``allow_pickle=False``)
    meta.json      global_step, local_step, world_size, architecture, run_id, resolved config, the
                   model's counters, per-rank JSON state (python RNG, the env's ``state_dict()``, the
                   episode buffers) and the sha256 of every other file

A checkpoint is taken between PPO iterations (after an update, before the next rollout), the one
point where the model, its last observation and the environments agree. Loading refuses, by name,
any file that is missing or does not match its recorded hash.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

META = "meta.json"
POLICY = "policy.pt"
OPTIMIZER = "optimizer.pt"
STATE = "state.npz"
FILES = (POLICY, OPTIMIZER, STATE)
ARTIFACT_PATH = "checkpoints"
FORMAT = 2


class CheckpointError(ValueError):
    """A checkpoint is incomplete, altered or of another format; the message names the file."""


# ---------------------------------------------------------------------------------------- RNG
def rng_state() -> tuple[dict, dict[str, np.ndarray]]:
    """This process's RNG states as (JSON, arrays)."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    js = {"python": [version, list(internal), gauss],
          "numpy": {"bit_generator": name, "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}}
    arrays = {"numpy_keys": np.asarray(keys, dtype=np.uint32), "torch": torch.get_rng_state().numpy()}
    if torch.cuda.is_available():
        for i, st in enumerate(torch.cuda.get_rng_state_all()):
            arrays[f"cuda{i}"] = st.numpy()
    return js, arrays


def set_rng_state(js: dict, arrays: dict[str, np.ndarray]) -> None:
    version, internal, gauss = js["python"]
    random.setstate((version, tuple(internal), gauss))
    n = js["numpy"]
    np.random.set_state((n["bit_generator"], arrays["numpy_keys"], n["pos"], n["has_gauss"], n["cached_gaussian"]))
    torch.set_rng_state(torch.from_numpy(np.ascontiguousarray(arrays["torch"])))
    cuda = [torch.from_numpy(arrays[k]) for k in sorted(a for a in arrays if a.startswith("cuda"))]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


# ---------------------------------------------------------------------------------------- files
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save(model, directory: Path, meta: dict, ranks: list[tuple[dict, dict[str, np.ndarray]]]) -> Path:
    """Write a checkpoint atomically (temp folder, then rename); ``ranks``: (JSON, arrays) per rank."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".ckpt-", dir=directory.parent))
    torch.save(model.policy.state_dict(), tmp / POLICY)
    torch.save(model.policy.optimizer.state_dict(), tmp / OPTIMIZER)
    arrays = {f"rank{r}/{k}": np.asarray(v) for r, (_, arr) in enumerate(ranks) for k, v in arr.items()}
    np.savez(tmp / STATE, **arrays)
    meta = dict(meta, format=FORMAT, ranks=[js for js, _ in ranks],
                files={name: sha256(tmp / name) for name in FILES})
    (tmp / META).write_text(json.dumps(meta, indent=2, default=_json_default))
    if directory.exists():
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(directory)
    return directory


def _json_default(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


@dataclass
class Checkpoint:
    """A verified checkpoint folder."""

    directory: Path
    meta: dict

    def rank(self, r: int) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON, arrays) of rank ``r``."""
        prefix = f"rank{r}/"
        with np.load(self.directory / STATE, allow_pickle=False) as z:
            arrays = {k[len(prefix):]: z[k] for k in z.files if k.startswith(prefix)}
        return self.meta["ranks"][r], arrays

    def load_into(self, model) -> None:
        """Policy and optimiser state into ``model`` (tensors only)."""
        dev = model.device
        model.policy.load_state_dict(torch.load(self.directory / POLICY, map_location=dev, weights_only=True))
        model.policy.optimizer.load_state_dict(
            torch.load(self.directory / OPTIMIZER, map_location=dev, weights_only=True))


def load(directory: Path) -> Checkpoint:
    """Read ``meta.json`` and check every file against its recorded sha256; refuse on any mismatch."""
    directory = Path(directory)
    meta_path = directory / META
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {directory}: {META} is missing") from None
    except json.JSONDecodeError as e:
        raise CheckpointError(f"checkpoint {meta_path}: not valid JSON ({e})") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {meta_path}: format {meta.get('format')!r}, this version of npp-rl "
                              f"reads format {FORMAT} (older checkpoints held pickles and are not loaded)")
    recorded = meta.get("files") or {}
    for name in FILES:
        path = directory / name
        if name not in recorded:
            raise CheckpointError(f"checkpoint {directory}: {META} records no hash for {name}; refusing it")
        if not path.is_file():
            raise CheckpointError(f"checkpoint {directory}: {name} is missing")
        got = sha256(path)
        if got != recorded[name]:
            raise CheckpointError(f"checkpoint {directory}: {name} does not match its recorded sha256 "
                                  f"(recorded {recorded[name][:12]}..., file {got[:12]}...); refusing to load it")
    return Checkpoint(directory, meta)


def read_meta(directory: Path) -> dict:
    return load(directory).meta


def upload(directory: Path, run_id: str) -> bool:
    """Log the checkpoint files as run artifacts (``meta.json`` last, so a partial upload never pairs
    new hashes with old files unnoticed); False (and a warning) when the server is away."""
    import sys

    from mlflow import MlflowClient

    try:
        client = MlflowClient()
        for name in (*FILES, META):
            client.log_artifact(run_id, str(Path(directory) / name), artifact_path=ARTIFACT_PATH)
        return True
    except Exception as e:  # keep training; the next checkpoint retries
        print(f"checkpoint upload failed ({type(e).__name__}); kept locally at {directory}", file=sys.stderr)
        return False


def locate(run_id: str, output_dir: str | Path, run_dir: str | Path | None = None) -> Path:
    """The newest checkpoint of ``run_id``: the local copy if present (in ``run_dir`` when the run
    wrote its files there, else ``<output_dir>/<run_id>``), else the run's artifacts."""
    local = (Path(run_dir) if run_dir else Path(output_dir) / run_id) / ARTIFACT_PATH
    if (local / META).is_file():
        return local
    import mlflow

    from npp_rl.tracking.redact import redact_text

    try:
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=ARTIFACT_PATH,
                                                   dst_path=tempfile.mkdtemp(prefix="npp-rl-resume-"))
    except Exception as e:
        raise FileNotFoundError(f"--resume-from {run_id}: no checkpoint locally ({local}) or in the run's "
                                f"artifacts ({type(e).__name__}: {redact_text(str(e))})") from None
    p = Path(path)
    if not (p / META).is_file():
        raise FileNotFoundError(f"--resume-from {run_id}: checkpoint artifacts lack {META}")
    return p

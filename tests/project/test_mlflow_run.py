"""MLproject entry points run through `mlflow run` (env manager local) and record their runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

REPO = Path(__file__).resolve().parents[2]


def _mlflow_run(entry: str, params: dict, tmp_path: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env.pop("MLFLOW_RUN_ID", None)
    cmd = [str(Path(sys.executable).with_name("mlflow")), "run", str(REPO), "-e", entry, "--env-manager", "local",
           "--experiment-name", "mlproject-test"]
    for k, v in params.items():
        cmd += ["-P", f"{k}={v}"]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout)


def _runs(tmp_path: Path):
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("mlproject-test")
    return client, client.search_runs([exp.experiment_id])


def test_generate_levels_entry_point_records_the_dataset(tmp_path):
    res = _mlflow_run("generate_levels", {"out": tmp_path / "ds", "train_per_category": 1, "test_per_category": 1,
                                           "seed": 5, "experiment_name": "mlproject-test"}, tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    client, runs = _runs(tmp_path)
    assert len(runs) == 1  # the entry point's own run, not a second one
    run = runs[0]
    assert run.info.status == "FINISHED" and run.data.tags["npp_rl.step"] == "generate_levels"
    assert run.data.metrics["levels/train/simple"] == 1.0
    assert "manifest.json" in {a.path for a in client.list_artifacts(run.info.run_id)}
    assert (tmp_path / "ds" / "manifest.json").is_file()
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_train_entry_point_through_torchrun(tmp_path):
    gen = _mlflow_run("generate_levels", {"out": tmp_path / "ds", "train_per_category": 2, "test_per_category": 1,
                                           "seed": 1, "experiment_name": "mlproject-test"}, tmp_path)
    assert gen.returncode == 0, gen.stderr[-3000:]
    res = _mlflow_run("train", {"experiment_name": "mlproject-test", "architectures": "mlp_baseline",
                                "train_dataset": tmp_path / "ds", "total_timesteps": 512, "num_envs": 4,
                                "num_procs": 1}, tmp_path, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    client, runs = _runs(tmp_path)
    train = [r for r in runs if r.data.tags.get("npp_rl.step") == "train"]
    assert len(train) == 1 and train[0].info.status == "FINISHED"
    assert train[0].data.tags["npp_rl.architecture"] == "mlp_baseline"
    assert client.get_registered_model("npp-rl-mlp_baseline").latest_versions
    mlflow.set_tracking_uri(None)

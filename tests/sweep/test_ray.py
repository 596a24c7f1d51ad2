"""The Ray backends for real: a sweep on a local Ray (trials as Ray tasks in parallel processes), and
``--address`` joining a second Ray head started here with ``ray start --head`` on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

pytest.importorskip("ray")

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _sweep(args: list[str], env: dict, timeout: int = 1500) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "npp_rl.cli", "sweep", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _env(tracking_uri: str) -> dict:
    env = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(REPO), str(HERE), os.environ.get("PYTHONPATH", "")]))
    return env


def _args(levels: Path, out: Path, *extra: str) -> list[str]:
    return ["--experiment-name", "ray-sw", "--architectures", "mlp_baseline", "--seeds", "0,1",
            "--train-dataset", str(levels), "--test-dataset", str(levels), "--total-timesteps", "256",
            "--num-envs", "2", "--train-set", "eval_freq=0", "--train-set", "eval_episodes=2",
            "--eval-set", "videos=false", "--eval-set", "latency_samples=0", "--output-dir", str(out), *extra]


def _trial_runs(uri: str, parent: str):
    mlflow.set_tracking_uri(uri)
    exp = mlflow.get_experiment_by_name("ray-sw")
    return MlflowClient().search_runs([exp.experiment_id], f"tags.`mlflow.parentRunId` = '{parent}'")


def _run_id(out: str) -> str:
    return next(ln.split("=", 1)[1] for ln in out.splitlines() if ln.startswith("run_id="))


def test_sweep_on_a_local_ray_runs_trials_as_parallel_tasks(sweep_levels, tracking_uri, tmp_path):
    res = _sweep(_args(sweep_levels, tmp_path / "out", "--backend", "ray", "--num-cpus", "2",
                       "--cpus-per-trial", "1"), _env(tracking_uri))
    assert res.returncode == 0, res.stdout + res.stderr[-4000:]
    assert "connected to a local Ray head at 127.0.0.1:" in res.stderr
    kids = _trial_runs(tracking_uri, _run_id(res.stdout))
    train = [r for r in kids if r.data.tags["npp_rl.step"] == "train"]
    evals = [r for r in kids if r.data.tags["npp_rl.step"] == "evaluate"]
    assert len(train) == 2 and len(evals) == 2 and all(r.info.status == "FINISHED" for r in train + evals)
    assert any(r.data.tags["npp_rl.step"] == "compare" for r in kids)
    # the two trials ran in two worker processes (not the driver), each pointed at the same store
    pids = {ln.split("pid ")[1].split(")")[0] for ln in res.stderr.splitlines() if ": finished (attempt" in ln}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_sweep_joins_an_existing_ray_head_by_address(sweep_levels, tracking_uri, tmp_path):
    from npp_rl.sweep.ray_backend import LocalHead

    head = LocalHead(num_cpus=1, log=tmp_path / "head.log")  # `ray start --head --port P` on loopback
    env = _env(tracking_uri)
    env.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_AUTH_MODE="disabled")
    os.environ.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_AUTH_MODE="disabled")
    try:
        address = head.start()
        res = _sweep(_args(sweep_levels, tmp_path / "out", "--backend", "ray", "--address", address), env)
        assert res.returncode == 0, res.stdout + res.stderr[-4000:]
        assert f"connected to {address}" in res.stderr and "1 CPUs" in res.stderr
        kids = _trial_runs(tracking_uri, _run_id(res.stdout))
        assert sum(r.data.tags["npp_rl.step"] == "evaluate" for r in kids) == 2
        # re-running the same sweep against the cluster skips both finished trials
        again = _sweep(_args(sweep_levels, tmp_path / "out", "--backend", "ray", "--address", address), env)
        assert again.returncode == 0 and again.stdout.count("skipped") == 2, again.stdout
    finally:
        head.stop()
        for k in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_AUTH_MODE"):
            os.environ.pop(k, None)
    assert head.proc.poll() is not None  # the test stopped its head

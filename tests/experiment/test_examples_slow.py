"""The design's examples 2-4 (run as written with small budgets and local paths, the fourth against
the real local SeaweedFS + MLflow stack) and --resume-from after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlflow.tracking import MlflowClient
from seed_examples import example

from npp_rl.cli import main

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _run(argv, env_home: Path, monkeypatch) -> tuple[Path, dict, str]:
    monkeypatch.setenv("NPP_RL_HOME", str(env_home))
    res = CliRunner().invoke(main, ["train-and-compare", *argv], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = Path(argv[argv.index("--output-dir") + 1])
    [folder] = list(out.iterdir())
    return folder, json.loads((folder / "all_results.json").read_text()), res.output


def _check_run_folders(folder: Path, keys: list[str]) -> None:
    for key in keys:
        d = folder / key
        for f in ("final_model.zip", "eval_results.json", "checkpoints/meta.json"):
            assert (d / f).is_file(), f"{key}/{f}"
        assert list((d / "tensorboard").glob("events.out.tfevents.*")), key


def test_architecture_comparison_example(seed_dataset, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    folder, results, output = _run(example(2, seed_dataset, tmp_path / "experiments"), tmp_path / "home", monkeypatch)
    keys = ["full_hgt/no_pretrain", "vision_free/no_pretrain", "gat/no_pretrain"]
    assert sorted(results["runs"]) == sorted(keys)
    _check_run_folders(folder, keys)
    assert len(results["comparison"]["matrix"]) == 3
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["experiment"]["num_gpus"] == 4 and cfg["experiment"]["mixed_precision"] is True
    if cfg["hardware"]["gpus"] == 0:
        assert "WARNING: --num-gpus 4: no CUDA GPU is visible" in output
        assert "mixed precision: --mixed-precision has no effect on cpu" in output
    client = MlflowClient()
    for e in results["runs"].values():
        params = client.get_run(e["train_run_id"]).data.params
        assert params["train.mixed_precision"] == "True"
        assert params["precision"] == ("fp32" if cfg["hardware"]["gpus"] == 0 else params["precision"])


def test_pretraining_impact_example(seed_dataset, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    folder, results, _ = _run(example(3, seed_dataset, tmp_path / "experiments"), tmp_path / "home", monkeypatch)
    keys = ["full_hgt/no_pretrain", "full_hgt/with_pretrain"]
    assert sorted(results["runs"]) == keys
    _check_run_folders(folder, keys)
    pre = results["runs"]["full_hgt/with_pretrain"]
    assert pre["pretrain_run_id"] and results["runs"]["full_hgt/no_pretrain"]["pretrain_run_id"] is None
    client = MlflowClient()
    assert client.get_run(pre["train_run_id"]).data.params["train.init_from"] == pre["pretrain_run_id"]
    bc = client.get_run(pre["pretrain_run_id"])
    assert bc.data.tags["npp_rl.step"] == "pretrain" and "pretrain/train_loss" in bc.data.metrics
    assert "tensorboard" in {a.path for a in client.list_artifacts(bc.info.run_id)}
    assert list((folder / "full_hgt" / "pretrain").rglob("events.out.tfevents.*"))


@pytest.mark.stack
def test_s3_example(seed_dataset, tmp_path, monkeypatch, local_stack):
    """The fourth example: the experiment folder lands in the stack's S3 bucket (SeaweedFS, boto3)."""
    access, secret = local_stack.credentials()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", local_stack.tracking_uri)
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", local_stack.s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = local_stack.config.bucket
    folder, results, output = _run(example(4, seed_dataset, tmp_path / "experiments", bucket=bucket),
                                   tmp_path / "home", monkeypatch)
    keys = ["full_hgt/with_pretrain", "vision_free/with_pretrain"]
    assert sorted(results["runs"]) == keys
    _check_run_folders(folder, keys)
    manifest = json.loads((folder / "s3_manifest.json").read_text())
    assert manifest["bucket"] == bucket and manifest["prefix"] == f"experiments/{folder.name}/"
    listed = {o["Key"] for page in local_stack.s3_client().get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=manifest["prefix"]) for o in page.get("Contents", [])}
    for rel in ("config.json", "all_results.json", "s3_manifest.json", f"{folder.name.rsplit('_', 2)[0]}.log",
                "full_hgt/with_pretrain/final_model.zip", "vision_free/with_pretrain/eval_results.json"):
        assert manifest["prefix"] + rel in listed, rel
    assert "S3 sync (" in output and secret not in output
    # a missing bucket and refused credentials fail before any training, in one line
    for env, expect in (({}, "404 the bucket does not exist"),
                        ({"AWS_SECRET_ACCESS_KEY": "wrong"}, "403 access denied")):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        argv = example(4, seed_dataset, tmp_path / "again", bucket=bucket if env else "no-such-bucket")
        res = CliRunner().invoke(main, ["train-and-compare", *argv])
        assert res.exit_code == 1 and expect in res.output, res.output
        assert not list((tmp_path / "again").glob("*/*/no_pretrain")) and "wrong" not in res.output


def test_resume_after_kill_continues_the_same_run(seed_dataset, tmp_path):
    out = tmp_path / "experiments"
    env = dict(os.environ, NPP_RL_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    env.pop("MLFLOW_TRACKING_URI", None)
    argv = [sys.executable, str(REPO / "scripts" / "train_and_compare.py"), "--experiment-name", "resumed",
            "--architectures", "mlp_baseline", "--no-pretraining", "--train-dataset", str(seed_dataset / "train"),
            "--test-dataset", str(seed_dataset / "test"), "--total-timesteps", "4096", "--num-envs", "2",
            "--save-freq", "256", "--eval-freq", "0", "--num-gpus", "0", "--output-dir", str(out), "--no-videos",
            "--eval-episodes", "1", "--no-progress", "--set", "n_steps=64", "--set", "batch_size=64"]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 600
    meta = None
    while time.time() < deadline and proc.poll() is None:
        found = list(out.glob("*/mlp_baseline/no_pretrain/checkpoints/meta.json"))
        if found:
            meta = found[0]
            break
        time.sleep(0.5)
    assert meta is not None, proc.communicate()[0].decode()[-3000:]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    folder = meta.parents[3]
    first = json.loads(meta.read_text())
    assert first["global_step"] < 4096
    res = subprocess.run([sys.executable, str(REPO / "scripts" / "train_and_compare.py"), "--resume-from", str(folder)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert f"continuing run {first['run_id']}" in res.stderr
    results = json.loads((folder / "all_results.json").read_text())
    e = results["runs"]["mlp_baseline/no_pretrain"]
    assert e["train_run_id"] == first["run_id"] and e["train_status"] == "FINISHED" and e["eval_run_id"]
    assert json.loads(meta.read_text())["global_step"] >= 4096
    assert results["pipeline_run_id"] == json.loads((folder / "config.json").read_text())["pipeline_run_id"]

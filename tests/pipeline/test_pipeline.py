"""The pipeline end to end against the real local stack (S3 store + MLflow server).

generate levels -> pretrain -> train (both conditions) -> evaluate -> compare; then the champion is
loaded by ``models:/...@champion`` in a fresh process and over REST, and must act exactly like the
policy the training run saved.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
import pytest
import requests
from mlflow.tracking import MlflowClient

from npp_rl import tracking
from npp_rl.pipeline import PipelineConfig, run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.stack]


def _tiny(tmp_path: Path, uri: str) -> PipelineConfig:
    return PipelineConfig.from_preset(
        "quick", experiment_name="pipeline-e2e", tracking_uri=uri, architectures=["mlp_baseline"],
        data_dir=str(tmp_path / "levels"), output_dir=str(tmp_path / "out"),
        levels={"train_per_category": 2, "test_per_category": 1, "seed": 3, "categories": ["simple", "medium"]},
        pretrain={"bc_epochs": 2},
        train={"total_timesteps": 1024, "num_envs": 4, "save_freq": 512, "eval_freq": 512, "eval_episodes": 2,
               "progress_bar": False},
        evaluate={"videos": False},
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _observations(policy_zip: Path, n: int = 6) -> dict[str, np.ndarray]:
    from stable_baselines3 import PPO

    space = PPO.load(policy_zip, device="cpu").observation_space
    space.seed(0)
    samples = [space.sample() for _ in range(n)]
    return {k: np.stack([s[k] for s in samples]) for k in space.spaces}


def test_quick_pipeline_on_the_stack_ends_with_a_servable_champion(local_stack, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    cfg = _tiny(tmp_path, local_stack.tracking_uri)
    pipe_id = run_pipeline(cfg)

    client = MlflowClient(local_stack.tracking_uri)
    pipe = client.get_run(pipe_id)
    assert pipe.info.status == "FINISHED" and pipe.data.tags["npp_rl.step"] == "pipeline"
    chain = json.loads(Path(client.download_artifacts(pipe_id, "pipeline.json", str(tmp_path))).read_text())
    steps = [s["step"] for s in chain["steps"]]
    assert steps == ["generate_levels", "pretrain", "train", "train", "evaluate", "evaluate", "compare"]
    for s in chain["steps"]:
        child = client.get_run(s["run_id"])
        assert child.data.tags["mlflow.parentRunId"] == pipe_id
        assert child.data.tags["npp_rl.step"] == s["step"]
    conditions = {s["condition"] for s in chain["steps"] if s["step"] == "train"}
    assert conditions == {"scratch", "pretrained"}

    cmp_id = chain["steps"][-1]["run_id"]
    arts = {a.path for a in client.list_artifacts(cmp_id)}
    assert {"report.md", "report.html", "matrix.csv"} <= arts
    # the report and matrix physically live in the bucket
    keys = [o["Key"] for o in local_stack.s3_client().list_objects_v2(
        Bucket=local_stack.config.bucket, Prefix=local_stack.config.prefix).get("Contents", [])]
    assert any(k.endswith(f"{cmp_id}/artifacts/report.md") for k in keys)

    version = tracking.get_alias_version("npp-rl-mlp_baseline", "champion")
    assert version is not None
    source_run = client.get_model_version("npp-rl-mlp_baseline", version).run_id
    assert source_run in {s["run_id"] for s in chain["steps"] if s["step"] == "train"}
    policy_zip = Path(cfg.output_dir) / "train" / source_run / "policy.zip"
    assert policy_zip.is_file()

    from npp_rl.tracking.policy_pyfunc import load_local

    obs = _observations(policy_zip)
    expected = load_local(str(policy_zip)).predict_obs(obs)

    # a fresh process loads the champion by URI
    obs_file = tmp_path / "obs.json"
    obs_file.write_text(json.dumps({k: v.tolist() for k, v in obs.items()}))
    code = ("import json,sys,numpy as np,mlflow\n"
            "obs={k:np.asarray(v) for k,v in json.load(open(sys.argv[1])).items()}\n"
            "out=mlflow.pyfunc.load_model('models:/npp-rl-mlp_baseline@champion').predict(obs)\n"
            "print(json.dumps({k:np.asarray(v).tolist() for k,v in out.items()}))\n")
    env = dict(os.environ, MLFLOW_TRACKING_URI=local_stack.tracking_uri)
    res = subprocess.run([sys.executable, "-c", code, str(obs_file)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["action"] == expected["action"].tolist()
    np.testing.assert_allclose(got["action_probs"], expected["action_probs"], rtol=1e-5, atol=1e-7)

    # ... and serves it over REST
    port = _free_port()
    mlflow_bin = str(Path(sys.executable).with_name("mlflow"))
    # `--env-manager local` runs the scoring server from the caller's PATH: put this venv first
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.Popen([mlflow_bin, "models", "serve", "-m", "models:/npp-rl-mlp_baseline@champion",
                             "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/ping", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(1)
        resp = requests.post(f"{url}/invocations", json={"inputs": {k: v.tolist() for k, v in obs.items()}},
                             timeout=60)
        assert resp.status_code == 200, resp.text[:1000]
        preds = resp.json()["predictions"]
        assert preds["action"] == expected["action"].tolist()
        np.testing.assert_allclose(preds["action_probs"], expected["action_probs"], rtol=1e-5, atol=1e-7)
        bad = requests.post(f"{url}/invocations", json={"inputs": {"nope": [1, 2]}}, timeout=60)
        assert 400 <= bad.status_code < 500 and "missing keys" in bad.text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    mlflow.set_tracking_uri(None)

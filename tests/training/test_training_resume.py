"""Kill a training process after a checkpoint, resume it: same run id, step counter and metrics continue."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NPP_RL = str(Path(sys.executable).with_name("npp-rl"))


def _cmd(tmp, *extra):
    return [NPP_RL, "train", "--experiment-name", "resume-test", "--architectures", "mlp_baseline",
            "--num-envs", "4", "--save-freq", "1024", "--eval-freq", "0", "--eval-episodes", "0",
            "--env-factory", "fake_env:make_fake_vec_env", "--tracking-uri", f"sqlite:///{tmp}/mlflow.db",
            "--output-dir", str(tmp / "out"), "--no-progress", "--no-register", "--torch-threads", "1", *extra]


@pytest.mark.slow
def test_kill_after_checkpoint_then_resume_same_run(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO / "tests" / "models"), NPP_RL_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen(_cmd(tmp_path, "--total-timesteps", "1000000"), cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 180
    meta = None
    while time.time() < deadline and proc.poll() is None:
        found = list((tmp_path / "out").glob("*/checkpoints/meta.json"))
        if found:
            meta = found[0]
            time.sleep(1.0)  # let it run on past the checkpoint
            break
        time.sleep(0.2)
    assert meta is not None, proc.communicate(timeout=5)[0].decode()[-3000:] if proc.poll() is not None else "no checkpoint"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    run_id = meta.parent.parent.name
    ckpt_step = json.loads(meta.read_text())["global_step"]
    assert ckpt_step >= 1024

    target = ckpt_step + 2048
    res = subprocess.run(_cmd(tmp_path, "--resume-from", run_id, "--total-timesteps", str(target)), cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert f"run_id={run_id}" in res.stdout

    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    client = mlflow.MlflowClient()
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert len(mlflow.search_runs(experiment_names=["resume-test"], output_format="list")) == 1
    steps = sorted({m.step for m in client.get_metric_history(run_id, "perf/fps")})
    assert steps[0] <= ckpt_step < steps[-1] and steps[-1] >= target  # history before and after the kill
    summary = json.loads((tmp_path / "out" / run_id / "summary.json").read_text())
    assert summary["global_steps"] >= target and summary["global_steps"] - target < 4 * 128
    assert json.loads((tmp_path / "out" / run_id / "checkpoints" / "meta.json").read_text())["global_step"] >= target

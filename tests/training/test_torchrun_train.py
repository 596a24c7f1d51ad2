"""`npp-rl train` under torchrun on 2 ranks finishes, whether its last step lands on a checkpoint or not.

(It used to hang when the last step was a checkpoint step: rank 0 alone knew a checkpoint had just been
taken, skipped the final one and waited in a barrier while rank 1 waited in the checkpoint's gather.)
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# 2 ranks x 2 envs x 32 steps = 128 global steps per PPO iteration; the last case stops on a wall-clock
# budget long before its step cap (rank 0's clock decides, rank 1 must stop with it)
@pytest.mark.parametrize("total, last_on_checkpoint, budget", [(512, True, None), (384, False, None),
                                                               (10**8, False, "4s")])
def test_two_ranks_finish(tmp_path, total, last_on_checkpoint, budget):
    save = 256
    assert budget or (total % save == 0) == last_on_checkpoint
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "tests" / "models"), str(REPO)]),
               NPP_RL_HOME=str(tmp_path / "home"), OMP_NUM_THREADS="1", NPP_RL_DIST_TIMEOUT_S="120")
    env.pop("MLFLOW_TRACKING_URI", None)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    cmd = [str(BIN / "torchrun"), "--nproc_per_node", "2", "--master-addr", "127.0.0.1",
           "--master-port", str(_free_port()), str(BIN / "npp-rl"), "train", "--experiment-name", "tr2",
           "--architectures", "mlp_baseline", "--env-factory", "fake_env:make_fake_vec_env",
           "--num-envs", "2", "--total-timesteps", str(total), "--save-freq", str(save), "--eval-freq", "0",
           "--eval-episodes", "0", "--set", "n_steps=32", "--set", "batch_size=64", "--set", "n_epochs=1",
           "--tracking-uri", uri, "--output-dir", str(tmp_path / "out"), "--no-progress", "--no-register",
           "--torch-threads", "1"] + (["--time-budget", budget] if budget else [])
    res = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=420)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("tr2").experiment_id])
    assert run.info.status == "FINISHED"
    meta = json.loads((tmp_path / "out" / run.info.run_id / "checkpoints" / "meta.json").read_text())
    assert meta["world_size"] == 2 and len(meta["ranks"]) == 2
    summary = json.loads((tmp_path / "out" / run.info.run_id / "summary.json").read_text())
    if budget:
        # stopped on the first step of a rollout: whole iterations of 128 plus that step (2 ranks x 2 envs)
        g = meta["global_step"]
        assert 128 <= g < total and (g - 4) % 128 == 0, g
        assert summary["stopped_by"] == "time_budget" and summary["global_steps"] == g
        assert run.data.metrics["perf/stopped_by_time_budget"] == 1.0
        assert "time budget of 4 s spent" in res.stderr
        return
    assert meta["global_step"] == total and summary["stopped_by"] == "total_timesteps"
    ck = [m.step for m in client.get_metric_history(run.info.run_id, "perf/checkpoint_step")]
    assert ck == [256, 512] if last_on_checkpoint else ck == [256, 384]

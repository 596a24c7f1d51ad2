"""A run killed (SIGKILL) after a checkpoint and resumed ends bit-identical to an uninterrupted run
with the same seed (CPU, one rank), without duplicate metric steps; resume refuses what it cannot honour."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
NPP_RL = str(Path(sys.executable).with_name("npp-rl"))
# 4 envs x 32 steps = 128 steps per PPO iteration; checkpoints every 256 steps
COMMON = ["--architectures", "mlp_baseline", "--num-envs", "4", "--save-freq", "256", "--eval-freq", "0",
          "--eval-episodes", "0", "--no-progress", "--no-register", "--torch-threads", "1", "--seed", "7",
          "--set", "n_steps=32", "--set", "batch_size=64", "--set", "n_epochs=2"]


def _train(tmp, name, *extra, factory="make_fake_vec_env", env_extra=None, check=True):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "tests" / "models"), str(REPO)]),
               NPP_RL_HOME=str(tmp / "home"), OMP_NUM_THREADS="1", **(env_extra or {}))
    cmd = [NPP_RL, "train", "--experiment-name", name, *COMMON, "--env-factory", f"fake_env:{factory}",
           "--tracking-uri", f"sqlite:///{tmp}/{name}.db", "--output-dir", str(tmp / name), *extra]
    res = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    return res


def _final(tmp, name):
    (run_dir,) = [p for p in (tmp / name).iterdir() if (p / "checkpoints").is_dir()]
    ck = run_dir / "checkpoints"
    return (run_dir.name, json.loads((ck / "meta.json").read_text()),
            torch.load(ck / "policy.pt", weights_only=True), torch.load(ck / "optimizer.pt", weights_only=True))


@pytest.mark.slow
def test_killed_and_resumed_equals_uninterrupted(tmp_path):
    _train(tmp_path, "straight", "--total-timesteps", "768")
    # the second run dies (SIGKILL) at its 80th vector step = global step 320: after the checkpoint
    # at 256, before the next one at 512
    died = _train(tmp_path, "resumed", "--total-timesteps", "768", factory="make_dying_vec_env",
                  env_extra={"NPP_RL_TEST_DIE_AFTER": "80"}, check=False)
    assert died.returncode == -9, died.stderr[-2000:]
    run_id, meta, _, _ = _final(tmp_path, "resumed")
    assert meta["global_step"] == 256
    res = _train(tmp_path, "resumed", "--total-timesteps", "768", "--resume-from", run_id)
    assert f"run_id={run_id}" in res.stdout

    _, meta_a, pol_a, opt_a = _final(tmp_path, "straight")
    _, meta_b, pol_b, opt_b = _final(tmp_path, "resumed")
    assert meta_a["global_step"] == meta_b["global_step"] == 768
    assert pol_a.keys() == pol_b.keys()
    for k in pol_a:
        assert torch.equal(pol_a[k], pol_b[k]), k  # bit-identical weights
    for i, st in opt_a["state"].items():
        for k, v in st.items():
            assert torch.equal(v, opt_b["state"][i][k]), (i, k)

    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/resumed.db")
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    for key in ("train/value_loss", "rollout/ep_rew_mean", "perf/fps"):
        steps = [m.step for m in client.get_metric_history(run_id, key)]
        assert len(steps) == len(set(steps)), (key, sorted(steps))  # no step logged twice
    # the points the killed process logged past its checkpoint equal the uninterrupted run's
    straight = mlflow.MlflowClient(f"sqlite:///{tmp_path}/straight.db")
    (ra,) = straight.search_runs([straight.get_experiment_by_name("straight").experiment_id])
    hist = lambda c, r: {m.step: m.value for m in c.get_metric_history(r, "train/value_loss")}  # noqa: E731
    assert hist(client, run_id) == hist(straight, ra.info.run_id)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One short finished run (256 steps) for the refusal tests (each works on its own copy)."""
    tmp = tmp_path_factory.mktemp("finished")
    _train(tmp, "r", "--total-timesteps", "256")
    return tmp


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, dirs_exist_ok=True)
    return dst


@pytest.mark.parametrize("extra, message", [
    (["--set", "n_steps=32", "--set", "learning_rate=0.1"], "--set learning_rate=0.1 differs"),
    (["--num-envs", "2"], "--num-envs 2 differs from the run's 4"),
])
def test_resume_refuses_what_it_cannot_honour(finished_run, tmp_path, extra, message):
    tmp = _copy(finished_run, tmp_path / "copy")
    run_id, _, _, _ = _final(tmp, "r")
    res = _train(tmp, "r", "--total-timesteps", "512", "--resume-from", run_id, *extra, check=False)
    assert res.returncode != 0 and message in res.stderr, res.stderr[-2000:]


def test_checkpoint_with_an_altered_file_is_refused_by_name(finished_run, tmp_path):
    tmp = _copy(finished_run, tmp_path / "copy")
    run_id, _, pol, _ = _final(tmp, "r")
    ck = tmp / "r" / run_id / "checkpoints"
    first = next(iter(pol))
    pol[first] = pol[first] + 1
    torch.save(pol, ck / "policy.pt")
    res = _train(tmp, "r", "--total-timesteps", "512", "--resume-from", run_id, check=False)
    assert res.returncode != 0
    assert "policy.pt does not match its recorded sha256" in res.stderr, res.stderr[-2000:]

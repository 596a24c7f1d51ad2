"""The learning-rate schedule over the run's budget and the run's policy = its best held-back evaluation,
through `npp-rl train` (fake environment) and on scripted evaluations whose right answer is known."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
import torch
from click.testing import CliRunner
from fake_env import make_fake_vec_env
from stable_baselines3 import PPO

from npp_rl.cli import main
from npp_rl.models.policy import policy_kwargs
from npp_rl.training.callbacks import NppTrainingCallback
from npp_rl.training.config import TrainConfig, load_hyperparams
from npp_rl.training.ppo import NppPPO, ppo_kwargs
from npp_rl.training.trainer import BEST_POLICY, FINAL_POLICY, _choose_policy

torch.set_num_threads(1)
LR = 3e-4


def _train(tmp_path, *extra, total="640"):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    res = CliRunner().invoke(main, [
        "train", "--experiment-name", "sched", "--architectures", "mlp_baseline",
        "--env-factory", "fake_env:make_fake_vec_env", "--total-timesteps", total, "--num-envs", "2",
        "--set", "n_steps=16", "--set", "batch_size=32", "--save-freq", "0", "--tracking-uri", uri,
        "--output-dir", str(tmp_path / "out"), "--no-progress", *extra])
    assert res.exit_code == 0, res.output
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("sched").experiment_id])
    return client, run.info.run_id, res.output


def _history(client, run_id, key):
    return [(m.step, m.value) for m in sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)]


def test_linear_learning_rate_follows_the_step_budget(tmp_path):
    # 640 steps, 32 per iteration: after iteration k the schedule is at LR * (1 - k/20)
    client, run_id, _ = _train(tmp_path, "--set", "learning_rate_end=0", "--eval-freq", "0", "--eval-episodes", "0")
    lrs = [v for _, v in _history(client, run_id, "train/learning_rate")]
    assert len(lrs) >= 19
    for k, lr in enumerate(lrs, start=1):
        assert lr == pytest.approx(LR * (1 - k / 20), abs=1e-12), k


def test_constant_learning_rate_without_an_end(tmp_path):
    client, run_id, _ = _train(tmp_path, "--set", "learning_rate_end=none", "--eval-freq", "0", "--eval-episodes", "0",
                               total="320")
    lrs = [v for _, v in _history(client, run_id, "train/learning_rate")]
    assert lrs and all(lr == pytest.approx(LR) for lr in lrs)


def test_time_budget_drives_the_schedule_when_it_runs_out_first(tmp_path):
    # a step budget that is never reached: by steps alone the rate would stay at LR * (1 - ~1e-5)
    client, run_id, _ = _train(tmp_path, "--set", "learning_rate_end=0", "--eval-freq", "0", "--eval-episodes", "0",
                               "--time-budget", "4", total="100000000")
    lrs = [v for _, v in _history(client, run_id, "train/learning_rate")]
    assert len(lrs) >= 3
    assert all(0.0 <= b <= a for a, b in zip(lrs, lrs[1:], strict=False))  # falls with the clock, never below the end
    assert lrs[-1] < 0.8 * LR


def test_progress_is_the_further_of_steps_and_time():
    env = make_fake_vec_env(2, 0, ("game_state",), None, "train")
    model = NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs("mlp_baseline"), seed=0, device="cpu",
                   **ppo_kwargs(load_hyperparams("mlp_baseline", overrides={"learning_rate_end": "1e-4"})))
    model._update_current_progress_remaining(25, 100)
    assert model._current_progress_remaining == pytest.approx(0.75)
    model.time_progress = 0.6
    model._update_current_progress_remaining(25, 100)
    assert model._current_progress_remaining == pytest.approx(0.4)
    assert model.lr_schedule(model._current_progress_remaining) == pytest.approx(1e-4 + 0.4 * (LR - 1e-4))
    model.time_progress = 1.0
    model._update_current_progress_remaining(25, 100)
    assert model._current_progress_remaining == 0.0
    env.close()


def _first_weight(path: Path) -> float:
    return float(PPO.load(path, device="cpu").policy.state_dict()["action_net.bias"][0])


@pytest.mark.parametrize("keep_best", [True, False])
def test_the_best_evaluation_is_the_runs_policy(tmp_path, keep_best):
    env = make_fake_vec_env(2, 0, ("game_state",), None, "train")
    model = NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs("mlp_baseline"), seed=0, device="cpu",
                   n_steps=16, batch_size=32)
    cb = NppTrainingCallback(run_id=None, ckpt_dir=tmp_path / "ckpt", save_freq=0, eval_freq=0, eval_env_fn=None,
                             eval_episodes=0, meta={}, best_path=tmp_path / BEST_POLICY)
    cb.init_callback(model)
    scores = [0.2, 0.6, 0.4, 0.6, 0.3]  # best: 0.6, the later of the two (step 400)
    for i, s in enumerate(scores, start=1):
        model.num_timesteps = 100 * i
        with torch.no_grad():
            model.policy.action_net.bias[0] = float(i)  # weights that say which evaluation they are from
        res = {"eval/success_rate": s}
        cb._keep_if_best(100 * i, res)
        assert res["eval/best_success_rate"] == max(scores[:i])
    cb.eval_history = [(500, {"eval/success_rate": 0.3})]
    model.save(tmp_path / FINAL_POLICY)
    chosen = _choose_policy(TrainConfig(keep_best=keep_best), cb, tmp_path)
    assert cb.best == {"step": 400, "success_rate": 0.6}
    if keep_best:
        assert chosen == {"source": "best", "step": 400, "eval_success_rate": 0.6, "final_step": 500,
                          "final_eval_success_rate": 0.3}
        assert _first_weight(tmp_path / "policy.zip") == 4.0
    else:
        assert chosen["source"] == "final" and chosen["step"] == 500 and chosen["best_step"] == 400
        assert _first_weight(tmp_path / "policy.zip") == 5.0
    assert _first_weight(tmp_path / BEST_POLICY) == 4.0
    # a resumed process of the run picks the best up again from its folder
    cb2 = NppTrainingCallback(run_id=None, ckpt_dir=tmp_path / "ckpt", save_freq=0, eval_freq=0, eval_env_fn=None,
                              eval_episodes=0, meta={}, best_path=tmp_path / BEST_POLICY)
    cb2.init_callback(model)
    assert cb2.best == {"step": 400, "success_rate": 0.6}
    env.close()


def test_train_cli_keeps_the_best_held_back_policy(tmp_path):
    client, run_id, out = _train(tmp_path, "--eval-freq", "64", "--eval-episodes", "4")
    evals = _history(client, run_id, "eval/success_rate")
    assert len(evals) >= 10
    best_value = max(v for _, v in evals)
    best_step = max(s for s, v in evals if v == best_value)  # ties: the later evaluation
    run_dir = tmp_path / "out" / run_id
    summary = json.loads((run_dir / "summary.json").read_text())
    chosen = summary["model"]
    assert chosen["step"] == best_step and chosen["eval_success_rate"] == best_value
    assert chosen["source"] == ("final" if best_step == summary["global_steps"] else "best")
    kept = run_dir / (BEST_POLICY if chosen["source"] == "best" else FINAL_POLICY)
    assert (run_dir / "policy.zip").read_bytes() == kept.read_bytes()
    assert f"the run's policy is the {chosen['source']} one (step {best_step}, held-back success {best_value:.3f})" in out
    assert _history(client, run_id, "model/step")[-1][1] == best_step
    # the registered model is the chosen policy; the last weights are logged beside it when they differ
    models = {m.name: m for m in client.search_logged_models([client.get_experiment_by_name("sched").experiment_id])}
    assert "model" in models
    assert ("model_final" in models) == (chosen["source"] == "best")

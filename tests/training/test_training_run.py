"""End to end in one process on the fake env: parent/child runs, tags, metrics, checkpoint, registered model."""

import json

import mlflow
import numpy as np
import pytest
import torch
from fake_env import FakeNppEnv, make_fake_vec_env

from npp_rl.training import TrainConfig, evaluate, train

torch.set_num_threads(1)


def test_evaluate_plays_a_fixed_quota_per_env():
    from stable_baselines3.common.vec_env import DummyVecEnv

    class Const:
        def predict(self, obs, deterministic=True):
            return np.zeros(len(obs["game_state"]), dtype=int), None

    env = DummyVecEnv([lambda i=i: FakeNppEnv(modalities=("game_state",), episode_len=5 + 10 * i, seed=i)
                       for i in range(2)])
    res = evaluate(Const(), env, 6)
    assert res["eval/episodes"] == 6
    assert res["eval/mean_ep_length"] == pytest.approx((3 * 5 + 3 * 15) / 6)  # not biased to short episodes


@pytest.mark.slow
def test_train_two_architectures_parent_and_children(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    cfg = TrainConfig(experiment_name="e2e", architectures=["mlp_baseline", "vision_free"], total_timesteps=256,
                      num_envs=4, save_freq=128, eval_freq=128, eval_episodes=4, seed=3,
                      hyperparams={"n_steps": 16, "batch_size": 32, "n_epochs": 1},
                      env_factory="fake_env:make_fake_vec_env", tracking_uri=uri, output_dir=str(tmp_path / "out"),
                      progress_bar=False)
    parent = train(cfg, env_factory=make_fake_vec_env)
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient()
    runs = mlflow.search_runs(experiment_names=["e2e"], output_format="list")
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent]
    assert sorted(r.data.tags["npp_rl.architecture"] for r in children) == ["mlp_baseline", "vision_free"]
    for r in children:
        assert r.info.status == "FINISHED"
        t = r.data.tags
        assert (t["npp_rl.step"], t["npp_rl.condition"], t["npp_rl.seed"]) == ("train", "scratch", "3")
        assert "npp_rl.dataset" in t
        for m in ("train/value_loss", "train/entropy_loss", "train/explained_variance", "rollout/ep_rew_mean",
                  "perf/fps", "eval/success_rate"):
            assert m in r.data.metrics, m
        arts = {a.path for a in client.list_artifacts(r.info.run_id)}
        assert {"checkpoints", "config.json", "tensorboard"} <= arts
        cfg_logged = json.loads(mlflow.artifacts.load_text(f"runs:/{r.info.run_id}/config.json"))
        assert cfg_logged["ppo"]["n_steps"] == 16 and cfg_logged["world_size"] == 1
        name = f"npp-rl-{t['npp_rl.architecture']}"
        versions = client.search_model_versions(f"name='{name}'")
        assert any(v.tags.get("npp_rl.run_id") == r.info.run_id for v in versions)

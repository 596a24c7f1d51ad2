"""The recipe is the default: a plain `npp-rl train --architectures X` uses hyperparams.yaml's settings for X
(PPO and environment), and the reward's shaping discount is the PPO gamma actually used."""

from __future__ import annotations

import json

import mlflow
import pytest
import recipe_env
import torch
import yaml
from click.testing import CliRunner

from npp_rl.cli import main
from npp_rl.training.config import HYPERPARAMS_FILE, load_env_recipe, load_hyperparams

torch.set_num_threads(1)


def _train(tmp_path, arch, *extra):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    recipe_env.RECORDED.clear()
    res = CliRunner().invoke(main, [
        "train", "--experiment-name", "recipe", "--architectures", arch,
        "--env-factory", "recipe_env:make_recording_vec_env", "--total-timesteps", "64", "--num-envs", "2",
        "--eval-freq", "0", "--save-freq", "0", "--eval-episodes", "2", "--tracking-uri", uri,
        "--output-dir", str(tmp_path / "out"), "--no-progress", "--no-register", *extra])
    assert res.exit_code == 0, res.output
    mlflow.set_tracking_uri(uri)
    (child,) = [r for r in mlflow.search_runs(experiment_names=["recipe"], output_format="list")
                if r.data.tags.get("npp_rl.architecture") == arch]
    return json.loads(mlflow.artifacts.load_text(f"runs:/{child.info.run_id}/config.json"))


def test_plain_train_uses_the_per_architecture_recipe(tmp_path):
    arch = "mlp_baseline"
    data = yaml.safe_load(HYPERPARAMS_FILE.read_text())
    want_ppo = {k: v for k, v in {**data["default"], **data["architectures"][arch]}.items() if k != "env"}
    assert want_ppo != {k: v for k, v in data["default"].items() if k != "env"}  # the arch block changes something
    want_env = {**(data["default"].get("env") or {}), **(data["architectures"][arch].get("env") or {})}
    logged = _train(tmp_path, arch, "--set", "n_steps=16", "--set", "batch_size=32")  # CPU-time only
    ppo = logged["ppo"]
    for k, v in want_ppo.items():
        if k in ("n_steps", "batch_size"):
            continue
        assert ppo[k] == pytest.approx(v) if isinstance(v, float) else ppo[k] == v, k
    assert {k: logged["env"][k] for k in want_env} == want_env
    assert logged["env"]["reward_gamma"] == ppo["gamma"] == load_hyperparams(arch).gamma
    (train_split, train_opts), (eval_split, eval_opts) = recipe_env.RECORDED[0], recipe_env.RECORDED[-1]
    assert train_split == "train" and train_opts == logged["env"]
    assert eval_split == "eval" and eval_opts["level_sampling"] == "random"  # held-back levels: no curriculum
    assert eval_opts["reward_gamma"] == ppo["gamma"]


def test_gamma_override_reaches_the_reward(tmp_path):
    logged = _train(tmp_path, "mlp_baseline", "--set", "gamma=0.97", "--set", "n_steps=16", "--set",
                    "batch_size=32", "--env", "level_sampling=sequential")
    assert logged["ppo"]["gamma"] == 0.97 and logged["env"]["reward_gamma"] == 0.97
    assert logged["env"]["level_sampling"] == "sequential"


def test_bad_env_setting_is_named():
    with pytest.raises(ValueError, match="unknown environment setting 'frameskip'"):
        load_env_recipe("mlp_baseline", overrides={"frameskip": 2})
    with pytest.raises(ValueError, match="level_sampling"):
        load_env_recipe("mlp_baseline", overrides={"level_sampling": "hardest"})
    assert load_env_recipe("mlp_baseline", overrides={"frame_skip": "2"})["frame_skip"] == 2


def test_reward_terms_from_the_recipe_and_env_flag(tmp_path):
    recipe = tmp_path / "hp.yaml"
    recipe.write_text(yaml.safe_dump({"default": {"env": {"reward": {"death": -0.25, "switch": 0.2}}},
                                      "architectures": {"mlp_baseline": {"env": {"reward": {"death": -0.1}}}}}))
    got = load_env_recipe("mlp_baseline", recipe, overrides={"reward.time_per_frame": "-0.001"})
    assert got["reward"] == {"death": -0.1, "switch": 0.2, "time_per_frame": -0.001}
    # a reward mapping in the overrides (TrainConfig.env from a preset or a sweep) is applied, not dropped
    got = load_env_recipe("mlp_baseline", recipe, overrides={"reward": {"win": 2}, "reward.death": "-0.2"})
    assert got["reward"] == {"death": -0.2, "switch": 0.2, "win": 2.0}
    with pytest.raises(ValueError, match="unknown reward term 'dead'"):
        load_env_recipe("mlp_baseline", overrides={"reward.dead": "-1"})
    with pytest.raises(ValueError, match="shaping gamma is the PPO gamma"):
        load_env_recipe("mlp_baseline", overrides={"reward.gamma": "0.5"})
    with pytest.raises(ValueError, match="reward.death='lots' is not a float"):
        load_env_recipe("mlp_baseline", overrides={"reward.death": "lots"})
    # through the CLI: the terms reach the env factory next to the PPO gamma, and the run's config records them
    logged = _train(tmp_path, "mlp_baseline", "--set", "n_steps=16", "--set", "batch_size=32",
                    "--env", "reward.death=-0.1", "--env", "reward.win=2")
    assert logged["env"]["reward"] == {"death": -0.1, "win": 2.0}
    (_, train_opts) = recipe_env.RECORDED[0]
    assert train_opts["reward"] == {"death": -0.1, "win": 2.0} and train_opts["reward_gamma"] == logged["ppo"]["gamma"]


def test_reward_terms_reach_the_real_env(tmp_path, monkeypatch):
    """The default factory turns the recipe's reward terms plus the PPO gamma into the env's RewardConfig."""
    import npp_rl.envs
    from npp_rl.envs.config import RewardConfig
    from npp_rl.training.envs import npp_factory

    seen = {}
    monkeypatch.setattr(npp_rl.envs, "make_vec_env", lambda dataset, **kw: seen.update(kw) or "venv")
    opts = {**load_env_recipe("mlp_baseline", overrides={"reward.death": "-0.1"}), "reward_gamma": 0.97}
    assert npp_factory(2, 0, ("game_state",), str(tmp_path), "train", env_options=opts) == "venv"
    assert seen["reward"] == RewardConfig(death=-0.1, gamma=0.97)
    assert seen["reward"].win == RewardConfig().win  # the other terms keep their defaults

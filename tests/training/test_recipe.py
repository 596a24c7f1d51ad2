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

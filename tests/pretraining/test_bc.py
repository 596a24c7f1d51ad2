"""BC trainer: learns above chance, and the saved policy is PPO's policy, weights identical end to end."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from bc_helpers import SIMPLE_WALK_INPUTS, scripted_replay

from npp_rl.pretraining import DatasetOptions, build_dataset
from npp_rl.pretraining.bc import make_model, split_by_level, train_bc
from npp_rl.pretraining.transfer import load_pretrained_into, state_dict_differences
from npp_rl.sim.replay import write_replay


@pytest.fixture
def replay_dir(tmp_path, shared_reference, simple_walk):
    """Attract demos (varied human play) + a scripted solution of simple-walk, in a dataset-like layout."""
    root = tmp_path / "replays"
    shutil.copytree(shared_reference / "npp" / "attract", root / "attract")
    replay, _ = scripted_replay(simple_walk, SIMPLE_WALK_INPUTS)
    (root / "train" / "simple").mkdir(parents=True)
    write_replay(root / "train" / "simple" / "simple-walk.nppreplay", replay)
    return root


def test_split_is_by_level():
    levels = np.array(["a", "a", "b", "c", "c", "c", "d"])
    tr, va = split_by_level(levels, 0.5, seed=1)
    assert len(tr) + len(va) == len(levels)
    assert not set(levels[tr]) & set(levels[va]) and len(set(levels[va])) == 2
    tr, va = split_by_level(np.array(["a", "a"]), 0.5, seed=0)
    assert len(va) == 0  # a single level cannot be split
    # stratified by category: every category with two or more levels is in the validation set
    levels = np.array([f"{c}{i}" for c in "xyz" for i in range(5)])
    cats = np.array([lv[0] for lv in levels])
    tr, va = split_by_level(levels, 0.2, seed=3, categories=cats)
    assert sorted(set(cats[va])) == ["x", "y", "z"] and len(va) == 3
    assert not set(levels[tr]) & set(levels[va])


def test_bc_beats_chance_on_held_out_levels(tmp_path, replay_dir):
    ds = build_dataset(replay_dir, tmp_path / "ds", DatasetOptions(modalities=("game_state",)))
    data = ds.load()
    model = make_model("mlp_baseline", seed=0)
    res = train_bc(model.policy, data, epochs=6, batch_size=64, val_fraction=0.3, seed=0)
    assert res.n_val > 0 and res.val_levels >= 2
    first, best = res.history[0], res.best
    assert best["val_accuracy"] > res.val_chance_accuracy + 0.1, (best, res.val_chance_accuracy)
    assert res.history[-1]["train_accuracy"] > first["train_accuracy"]
    assert any(k.startswith("val_accuracy/") for k in best)


def test_pretrain_run_logs_registers_and_transfers_whole_policy(tmp_path, replay_dir, tracking_uri):
    """pretrain() -> run id; ``--init-from <run id>`` (load_policy_weights, as train does) gives a PPO policy
    whose every tensor (encoder, action head, value head) equals the BC policy's."""
    import mlflow
    from stable_baselines3 import PPO

    from npp_rl.envs.env import NppEnv
    from npp_rl.models.policy import policy_kwargs
    from npp_rl.pretraining import PretrainConfig, pretrain
    from npp_rl.sim import load_map
    from npp_rl.training.ppo import NppPPO

    cfg = PretrainConfig(architecture="mlp_baseline", replay_data_dir=str(replay_dir), bc_epochs=2, bc_batch_size=64,
                         experiment_name="bc-test", tracking_uri=tracking_uri, output_dir=str(tmp_path / "out"))
    run_id = pretrain(cfg)
    client = mlflow.MlflowClient()
    run = client.get_run(run_id)
    tags, metrics = run.data.tags, run.data.metrics
    assert tags["npp_rl.step"] == "pretrain" and tags["npp_rl.condition"] == "pretrained"
    assert tags["npp_rl.architecture"] == "mlp_baseline" and len(tags["npp_rl.dataset"]) == 16
    assert "pretrain/val_accuracy" in metrics and "pretrain/dataset/samples" in metrics
    assert "pretrain/dataset/skipped/desync" in metrics
    assert run.inputs.dataset_inputs[0].dataset.digest == tags["npp_rl.dataset"]
    arts = {a.path for a in client.list_artifacts(run_id, "dataset")}
    assert {"dataset/manifest.json", "dataset/skipped.json"} <= arts
    versions = client.search_model_versions("name='npp-rl-mlp_baseline'")
    assert any(v.run_id == run_id and v.tags.get("npp_rl.step") == "pretrain" for v in versions)

    bc_zip = tmp_path / "out" / run_id / "policy.zip"
    bc = PPO.load(bc_zip, device="cpu")
    # the policy PPO trains, built as training builds it (NppPPO + policy_kwargs), on the real environment
    env = NppEnv([load_map(replay_dir / "attract" / "0")], observation_modalities=("game_state",))
    ppo = NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs("mlp_baseline"), seed=123, device="cpu",
              n_steps=8, batch_size=8)
    before = {k: v.clone() for k, v in ppo.policy.state_dict().items()}
    load_pretrained_into(ppo, run_id)  # the run id, as `npp-rl train --init-from RUN_ID`
    assert state_dict_differences(ppo, bc) == []
    changed = state_dict_differences(before, ppo.policy.state_dict())
    assert any(k.startswith("features_extractor.") for k in changed)
    assert any(k.startswith("action_net.") for k in changed)
    assert any(k.startswith("value_net.") for k in changed)
    # the registered model URI works the same
    ppo2 = NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs("mlp_baseline"), seed=7, device="cpu",
               n_steps=8, batch_size=8)
    load_pretrained_into(ppo2, f"models:/npp-rl-mlp_baseline/{tags['npp_rl.registered_version']}")
    assert state_dict_differences(ppo2, bc) == []
    # and the BC policy acts through the pyfunc like a PPO policy
    from npp_rl.tracking import load_pyfunc

    obs, _ = env.reset(options={"level": 0})
    out = load_pyfunc(f"runs:/{run_id}/model").predict({k: v[None] for k, v in obs.items()})
    assert out["action"].shape == (1,) and 0 <= int(out["action"][0]) < 6


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["full_hgt", "gcn"])
def test_bc_transfers_graph_and_image_architectures(tmp_path, replay_dir, arch):
    """Every tensor of a graph/image architecture's BC policy lands in a fresh PPO policy unchanged."""
    from npp_rl.models.registry import get_architecture

    mods = get_architecture(arch).modalities
    ds = build_dataset(replay_dir / "train", tmp_path / "ds", DatasetOptions(modalities=mods))
    model = make_model(arch, seed=0)
    res = train_bc(model.policy, ds.load(), epochs=3, batch_size=16, val_fraction=0.0, seed=0)
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]
    model.save(tmp_path / "bc.zip")
    fresh = make_model(arch, seed=99)
    assert state_dict_differences(fresh, model) != []
    load_pretrained_into(fresh, tmp_path / "bc.zip")
    assert state_dict_differences(fresh, model) == []
    obs = {k: torch.as_tensor(v[:4]).float() for k, v in ds.load()["obs"].items()}
    with torch.no_grad():
        a = model.policy.get_distribution(obs).distribution.logits
        b = fresh.policy.get_distribution(obs).distribution.logits
    torch.testing.assert_close(a, b)

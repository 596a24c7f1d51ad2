"""The env on a generated level dataset: split selection, solver solutions replay to a win with the
documented reward sum."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.envs.config import RewardConfig
from npp_rl.envs.env import NppEnv
from npp_rl.envs.levelset import LevelSet
from npp_rl.envs.reward import shaping_gamma
from npp_rl.envs.vec_env import make_vec_env

BYTE_TO_ACTION = {0: 0, 1: 3, 2: 2, 3: 5, 4: 1, 5: 4, 6: 1, 7: 4}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from npp_rl.levels import generate_dataset

    root = tmp_path_factory.mktemp("levels")
    ds, _ = generate_dataset(root, train_per_category=2, test_per_category=1, seed=11,
                             categories=("simple", "medium"))
    return ds


def test_splits_and_categories(dataset):
    assert len(LevelSet(dataset.root, split="train")) == 4
    assert len(LevelSet(dataset.root, split="test")) == 2
    assert len(LevelSet(dataset.root, split="train", categories=("medium",))) == 2
    lv = LevelSet(dataset, split="test")
    assert {lv.category(i) for i in range(len(lv))} == {"simple", "medium"}
    with pytest.raises(ValueError, match="no levels"):
        LevelSet(dataset.root, split="train", categories=("exploration",))


def test_solver_solutions_win_with_documented_reward(dataset):
    cfg = RewardConfig()
    for entry in dataset.levels("train"):
        rep = entry.load_solution()
        env = NppEnv(dataset.root, observation_modalities=("game_state",), frame_skip=1, split=None,
                     adaptive_frame_budget=False, max_episode_frames=20000, level_sampling="sequential")
        idx = [env.levels.name(i) for i in range(len(env.levels))].index(f"{entry.category}/{entry.id}")
        env.reset(options={"level": idx})
        phis = [env.batch.phi[0]]
        total = 0.0
        for byte in rep.inputs:
            _, r, term, trunc, info = env.step(BYTE_TO_ACTION[byte & 7])
            total += r
            phis.append(env.batch.phi[0])
            if term or trunc:
                break
        assert term and info["success"], entry.path
        assert info["category"] == entry.category
        T = len(phis) - 1
        expected = (cfg.win + cfg.switch + cfg.time_per_frame * info["frames"]
                    + sum(shaping_gamma(cfg) * phis[t + 1] - phis[t] for t in range(T)))
        assert total == pytest.approx(expected, abs=1e-4)


def test_make_vec_env_training_signature(dataset):
    env = make_vec_env(str(dataset.root), num_envs=3, seed=0, modalities=("game_state", "graph"), split="train")
    assert env.provides_episode_info
    obs = env.reset()
    assert set(obs) >= {"game_state", "graph_node_feats"} and obs["game_state"].shape[0] == 3
    obs, rew, done, infos = env.step(np.zeros(3, np.int64))
    assert rew.shape == (3,)


@pytest.mark.slow
def test_locked_door_plan_progresses_along_a_solution():
    """A complex level with a locked door on the way: along the solver's solution the current goal walks
    the plan in order (door switch, exit switch, exit), the remaining path never jumps at a hand-over,
    and the level is won."""
    from npp_rl.envs.dynamic import G_K, G_REMAIN
    from npp_rl.levels import generate, solve

    lvl = generate("complex", 4)  # the generator puts this one's exit switch behind a locked door
    res = solve(lvl.map)
    assert res.solved
    env = NppEnv([lvl], observation_modalities=("game_state", "graph"), frame_skip=1,
                 adaptive_frame_budget=False, max_episode_frames=20000)
    env.reset()
    st = env.levels.static(0)
    kinds = [int(k) for k in st.goal_kind]
    assert kinds == [2, 0, 1], kinds  # door switch, exit switch, exit
    ks, remain = [], []
    for byte in res.inputs:
        _, _, term, trunc, info = env.step(BYTE_TO_ACTION[byte & 7])
        gi = env.batch._goal(env.batch.ws_all)
        ks.append(int(gi[0, G_K]))
        remain.append(gi[0, G_REMAIN])
        if term or trunc:
            break
    assert info["success"]
    assert ks[0] == 0 and ks[-1] == len(kinds) - 1 and sorted(ks) == ks
    for t in range(1, len(ks)):
        if ks[t] != ks[t - 1]:
            assert abs(remain[t] - remain[t - 1]) < 40.0

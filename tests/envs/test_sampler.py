"""Level sampling: uniform, sequential and the learning-progress curriculum (``progress``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from npp_rl.envs import make_vec_env
from npp_rl.envs.config import EnvConfig
from npp_rl.envs.sampler import LevelSampler


def _play(sampler, p_success, episodes, seed=0):
    rng = np.random.default_rng(seed)
    counts = np.zeros(sampler.n)
    for _ in range(episodes):
        i = sampler.sample(rng)
        counts[i] += 1
        sampler.update(i, rng.random() < p_success[i])
    return counts


def test_progress_replays_learnable_levels_and_keeps_every_level():
    # levels 0-3 always solved, 4-7 half the time (learnable), 8-11 never
    p = np.array([1.0] * 4 + [0.5] * 4 + [0.0] * 4)
    cats = ["easy"] * 4 + ["mid"] * 4 + ["hard"] * 4
    s = LevelSampler("progress", 12, cats)
    counts = _play(s, p, 3000)
    late = _play(s, p, 2000, seed=1)
    share = late / late.sum()
    assert share[4:8].sum() > 0.6  # uniform would give 1/3
    assert share[4:8].sum() > 2 * max(share[:4].sum(), share[8:].sum())
    assert (s.probabilities() >= s.epsilon / 12 - 1e-12).all()  # no level starves
    assert counts.min() > 0
    summ = s.summary()
    assert summ["curriculum/mid/share"] > 0.6 and summ["curriculum/easy/success"] > 0.9


def test_equal_levels_get_equal_odds():
    s = LevelSampler("progress", 5)
    assert np.allclose(s.probabilities(), 0.2)  # nothing known yet: uniform, whatever the level order


def test_uniform_and_sequential():
    s = LevelSampler("sequential", 3)
    assert [s.sample(None) for _ in range(5)] == [0, 1, 2, 0, 1]
    u = LevelSampler("random", 4)
    counts = _play(u, np.array([1.0, 0.5, 0.0, 0.0]), 4000)
    assert np.allclose(counts / 4000, 0.25, atol=0.03)  # outcomes do not move it


def test_state_dict_is_plain_json_and_restores():
    s = LevelSampler("progress", 6, ["a"] * 3 + ["b"] * 3)
    _play(s, np.array([1, 0.5, 0, 1, 0.5, 0]), 300)
    state = json.loads(json.dumps(s.state_dict()))
    t = LevelSampler("progress", 6, ["a"] * 3 + ["b"] * 3)
    t.load_state_dict(state)
    assert np.allclose(t.probabilities(), s.probabilities())
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    assert [s.sample(r1) for _ in range(20)] == [t.sample(r2) for _ in range(20)]
    with pytest.raises(ValueError, match="state is for 6 levels, this sampler has 4"):
        LevelSampler("progress", 4).load_state_dict(state)


def test_unknown_sampling_is_named():
    with pytest.raises(ValueError, match="level_sampling: expected one of random, sequential, progress"):
        EnvConfig(level_sampling="hardest")


def test_vector_env_feeds_the_curriculum(all_maps):
    env = make_vec_env(all_maps, n_envs=4, seed=0, modalities=("game_state",), level_sampling="progress",
                       adaptive_frame_budget=False, max_episode_frames=80)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(60):  # 20-step episodes: ~12 finished episodes
        env.step(rng.integers(6, size=4))
    state = env.env_method("sampler_state_dict")[0]  # through the VecMonitor wrapper
    json.dumps(state)
    assert state["mode"] == "progress" and sum(state["episodes"]) >= 8
    assert set(env.env_method("curriculum_summary")[0]) == {"curriculum/all/share", "curriculum/all/success"}
    fresh = make_vec_env(all_maps, n_envs=4, seed=0, modalities=("game_state",), level_sampling="progress")
    fresh.env_method("load_sampler_state_dict", state)
    assert fresh.env_method("sampler_state_dict")[0]["episodes"] == state["episodes"]

"""Vector envs: batched NppVecEnv (auto-reset, terminal observations, SB3 batches) and the subproc option."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.envs import spec
from npp_rl.envs.config import EnvConfig
from npp_rl.envs.env import NppEnv
from npp_rl.envs.game_state import FIELDS
from npp_rl.envs.vec_env import NppVecEnv, make_vec_env

TIME_LEFT = [name for name, _ in FIELDS].index("time_remaining")


def test_batched_shapes_and_autoreset(simple_walk, all_maps):
    cfg = EnvConfig(adaptive_frame_budget=False, max_episode_frames=200)
    env = NppVecEnv(all_maps, 6, cfg, seed=0)
    obs = env.reset()
    for k in spec.keys_for(cfg.observation_modalities):
        assert obs[k].shape == (6,) + env.observation_space[k].shape
        assert obs[k].dtype == env.observation_space[k].dtype
    ends = 0
    for _ in range(60):
        obs, rew, done, infos = env.step(np.full(6, 2))
        assert rew.shape == (6,) and done.shape == (6,) and len(infos) == 6
        for w in np.flatnonzero(done):
            ends += 1
            term = infos[w]["terminal_observation"]
            assert set(term) == set(obs)
            # after auto-reset the new observation is a fresh episode (time remaining back to full)
            assert obs["game_state"][w][TIME_LEFT] > term["game_state"][TIME_LEFT]
            assert infos[w]["TimeLimit.truncated"] == (not infos[w]["success"] and infos[w]["death_cause"] is None)
    assert ends >= 6  # every world ended at least once (200-frame budget = 50 steps)


def test_batched_matches_single_env(all_maps):
    """World k of the batched env and an NppEnv on the same level see the same observations."""
    cfg = EnvConfig(level_sampling="sequential")
    venv = NppVecEnv(all_maps[:3], 3, cfg)
    venv.reset()
    rng = np.random.default_rng(0)
    acts = rng.integers(0, 6, (20, 3))
    singles = []
    for k in range(3):
        e = NppEnv(all_maps[:3], config=cfg)
        o, _ = e.reset(options={"level": k})
        singles.append((e, [o]))
    for t in range(20):
        vobs_t, _, done, _ = venv.step(acts[t])
        for k, (e, seq) in enumerate(singles):
            if len(seq) > t:
                o, _, term, trunc, _ = e.step(int(acts[t, k]))
                if not (term or trunc):
                    seq.append(o)
                    for key in o:
                        np.testing.assert_array_equal(vobs_t[key][k], o[key], err_msg=key)


def test_sb3_can_learn_a_few_steps(simple_walk):
    from stable_baselines3 import PPO

    env = make_vec_env([simple_walk], n_envs=4, config=EnvConfig(observation_modalities=("game_state",)), seed=0)
    model = PPO("MultiInputPolicy", env, n_steps=16, batch_size=32, n_epochs=1, verbose=0)
    model.learn(64)


@pytest.mark.slow
def test_subproc_kind(simple_walk):
    env = make_vec_env([simple_walk], n_envs=2, config=EnvConfig(observation_modalities=("game_state",)),
                       kind="subproc", seed=0)
    try:
        obs = env.reset()
        assert obs["game_state"].shape[0] == 2
        for _ in range(30):
            obs, rew, done, infos = env.step(np.array([2, 2]))
            if done.any():
                assert "terminal_observation" in infos[int(np.flatnonzero(done)[0])]
                break
        assert done.any()
    finally:
        env.close()


def test_make_vec_env_rejects_unknown_kind(simple_walk):
    with pytest.raises(ValueError, match="kind"):
        make_vec_env([simple_walk], 1, kind="threads")


def test_bench_env_json(all_maps):
    from npp_rl.envs.bench import run_env_bench

    res = run_env_bench(all_maps[:3], n_envs=4, seconds=0.05)
    assert set(res["steps_per_s_per_core"]) == {"state", "state_graph", "all"}
    assert all(v > 0 for v in res["steps_per_s_per_core"].values())


@pytest.mark.parametrize("sampling", ["random", "progress"])
def test_level_sampler_state_round_trips_through_json(all_maps, sampling):
    """The resume protocol: a new env loaded with the saved state draws the same next levels (the
    curriculum's per-level statistics included)."""
    import json

    cfg = EnvConfig(adaptive_frame_budget=False, max_episode_frames=40, level_sampling=sampling)
    a = NppVecEnv(all_maps, 3, cfg, seed=5)
    a.reset()
    for _ in range(30):
        a.step(np.full(3, 2))
    state = json.loads(json.dumps(a.state_dict()))
    b = NppVecEnv(all_maps, 3, cfg, seed=99)
    b.load_state_dict(state)
    draws_a = [a.batch.pick_level() for _ in range(20)]
    draws_b = [b.batch.pick_level() for _ in range(20)]
    assert draws_a == draws_b and len(set(draws_a)) > 1
    c = NppVecEnv(all_maps, 3, cfg, seed=99)  # without the state: another sequence
    assert [c.batch.pick_level() for _ in range(20)] != draws_a

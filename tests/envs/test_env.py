"""NppEnv: spaces, observation shapes/dtypes/ranges, modality selection, checkers, rewards, replays."""

from __future__ import annotations

import json

import numpy as np
import pytest

from npp_rl.envs import spec
from npp_rl.envs.config import EnvConfig, RewardConfig
from npp_rl.envs.env import NppEnv
from npp_rl.envs.game_state import FIELDS, GAME_STATE_DIM
from npp_rl.envs.reward import shaping_gamma

BYTE_TO_ACTION = {0: 0, 1: 3, 2: 2, 3: 5, 4: 1, 5: 4, 6: 1, 7: 4}  # left+right = left, bit 3 ignored


def _check_obs(env, obs):
    assert set(obs) == set(env.observation_space.spaces)
    for k, v in obs.items():
        space = env.observation_space[k]
        assert v.shape == space.shape, k
        assert v.dtype == space.dtype, k
        assert space.contains(v), k


def test_every_modality_shapes_and_ranges(all_maps):
    env = NppEnv(all_maps, seed=0)
    rng = np.random.default_rng(0)
    for ep in range(4):
        obs, _ = env.reset(options={"level": ep * 3 % len(all_maps)})
        _check_obs(env, obs)
        for _ in range(60):
            obs, r, term, trunc, info = env.step(int(rng.integers(6)))
            _check_obs(env, obs)
            assert np.isfinite(r)
            if term or trunc:
                break
    assert obs["player_frame"].shape == spec.PLAYER_FRAME_SHAPE
    assert obs["global_view"].shape == spec.GLOBAL_VIEW_SHAPE
    assert obs["game_state"].shape == (GAME_STATE_DIM,) == (len(FIELDS),)
    assert obs["player_frame"].max() == 255  # the ninja is drawn
    assert (obs["global_view"] == 255).any()
    g = obs
    n = int(g["graph_node_mask"].sum())
    e = int(g["graph_edge_mask"].sum())
    assert g["graph_edge_index"][:, :e].max() < n
    assert set(np.unique(g["graph_edge_type"][:e])) <= set(range(len(spec.EDGE_TYPES)))


def test_only_requested_modalities(simple_walk):
    env = NppEnv([simple_walk], observation_modalities=("game_state",))
    obs, _ = env.reset()
    assert set(obs) == {"game_state"}
    env = NppEnv([simple_walk], observation_modalities=("graph", "player_frame"))
    obs, _ = env.reset()
    assert set(obs) == set(spec.GRAPH_KEYS) | {"player_frame"}


def test_unknown_modality_names_it(simple_walk):
    with pytest.raises(ValueError, match="'frames'"):
        NppEnv([simple_walk], observation_modalities=("game_state", "frames"))


def test_gymnasium_and_sb3_checkers(simple_walk):
    from gymnasium.utils.env_checker import check_env as gym_check
    from stable_baselines3.common.env_checker import check_env as sb3_check

    gym_check(NppEnv([simple_walk]), skip_render_check=True)
    sb3_check(NppEnv([simple_walk]), warn=True)


def test_scripted_win_reward_sum(simple_walk):
    """Holding right wins simple-walk; the return is the sum of the documented terms."""
    cfg = RewardConfig()
    env = NppEnv([simple_walk], observation_modalities=("game_state",), reward=cfg)
    env.reset()
    rewards, infos = [], []
    phi0 = env.batch.phi[0]
    switch_steps = 0
    while True:
        _, r, term, trunc, info = env.step(2)
        rewards.append(r)
        infos.append(info)
        switch_steps += infos[-1]["switch_activated"] and (len(infos) == 1 or not infos[-2]["switch_activated"])
        if term or trunc:
            break
    assert term and info["success"] and info["death_cause"] is None
    assert switch_steps == 1
    frames = info["frames"]
    T = len(rewards)
    phis = [phi0]  # rebuild the potentials by replaying with shaping only
    env2 = NppEnv([simple_walk], observation_modalities=("game_state",),
                  reward=RewardConfig(win=0, death=0, switch=0, time_per_frame=0, gamma=1.0))
    env2.reset()
    shaping = []
    for _ in range(T):
        _, r, *_ = env2.step(2)
        shaping.append(r)
        phis.append(env2.batch.phi[0])
    expected = cfg.win + cfg.switch + cfg.time_per_frame * frames + sum(
        shaping_gamma(cfg) * phis[t + 1] - phis[t] for t in range(T))
    assert sum(rewards) == pytest.approx(expected, abs=1e-5)
    # gamma = 1: shaping telescopes to Phi(end) - Phi(start) = -Phi(start) (Phi = 0 at the win);
    # Phi(start) = 0 by construction, Phi just before the exit ~ 1
    assert phis[-1] == 0.0
    assert sum(shaping) == pytest.approx(-phis[0], abs=1e-5)
    assert phis[0] == pytest.approx(0.0, abs=0.05)
    assert phis[-2] == pytest.approx(1.0, abs=0.1)


def test_standing_still_never_earns_reward(simple_walk):
    """With gamma < 1 the shaping drift (gamma - 1) * Phi is never positive: idling cannot out-earn a win."""
    cfg = RewardConfig(gamma=0.99)
    env = NppEnv([simple_walk], observation_modalities=("game_state",), reward=cfg)
    env.reset()
    total, steps = 0.0, 0
    while True:
        _, r, term, trunc, _ = env.step(0)
        assert r <= 1e-12
        total += r
        steps += 1
        if term or trunc:
            break
    assert trunc and total < 0


def test_shaping_telescopes_with_gamma(all_maps):
    """sum_t gamma^t F_t == gamma^T Phi(s_T) - Phi(s_0) along a random trajectory."""
    gamma = 0.97
    cfg = RewardConfig(win=0, death=0, switch=0, time_per_frame=0, gamma=gamma, shaping_weight=2.0)
    env = NppEnv(all_maps, observation_modalities=("game_state",), reward=cfg)
    rng = np.random.default_rng(1)
    for lvl in range(0, len(all_maps), 4):
        env.reset(options={"level": lvl})
        phi0 = env.batch.phi[0]
        total, t = 0.0, 0
        while t < 150:
            _, r, term, trunc, _ = env.step(int(rng.integers(6)))
            total += gamma**t * r
            t += 1
            if term or trunc:
                break
        assert total == pytest.approx(gamma**t * env.batch.phi[0] - phi0, abs=1e-5)  # float32 rewards


@pytest.mark.parametrize("name,win_frame", [("only-jump", 130), ("jump-then-fall", 1321)])
def test_recorded_inputs_replay_to_a_win(shared_reference, maps_dir, name, win_frame):
    """Per-frame inputs that win in the reference trace also win in the env (frame skip 1)."""
    rows = (shared_reference / "traces" / f"map_{name}.csv").read_text().splitlines()[2:]
    inputs = [int(r.split(",")[1]) for r in rows]
    env = NppEnv([maps_dir / name], observation_modalities=("game_state",), frame_skip=1,
                 adaptive_frame_budget=False, max_episode_frames=5000)
    env.reset()
    for byte in inputs:
        phi_before = env.batch.phi[0]
        _, r, term, trunc, info = env.step(BYTE_TO_ACTION[byte & 7])
        if term or trunc:
            break
    assert term and info["success"]
    assert info["frames"] == win_frame
    assert r > 0.9 - phi_before  # the win reward lands on the winning step (less Phi, taken back there)


def test_death_info_and_frame_skip_early_stop(shared_reference, maps_dir):
    summary = json.loads((shared_reference / "traces" / "summary.json").read_text())["traces"]["map_minefield"]
    rows = (shared_reference / "traces" / "map_minefield.csv").read_text().splitlines()[2:]
    inputs = [int(r.split(",")[1]) for r in rows]
    env = NppEnv([maps_dir / "minefield"], observation_modalities=("game_state",), frame_skip=1)
    env.reset()
    for byte in inputs:
        _, r, term, trunc, info = env.step(BYTE_TO_ACTION[byte & 7])
        if term:
            break
    assert info["death_cause"] == summary["death_cause"] == "mine"
    assert info["frames"] == summary["death_frame"]
    assert r < -0.4
    assert env.batch.phi[0] == 0.0  # Phi(terminal) = 0


def test_truncation_at_frame_budget(simple_walk):
    env = NppEnv([simple_walk], observation_modalities=("game_state",), adaptive_frame_budget=False,
                 max_episode_frames=40)
    env.reset()
    steps = 0
    while True:
        _, _, term, trunc, info = env.step(0)
        steps += 1
        if term or trunc:
            break
    assert trunc and not term and steps == 10 and info["frames"] == 40
    with pytest.raises(RuntimeError):
        env.step(0)


def test_seeded_level_sampling(all_maps):
    def names(seed):
        env = NppEnv(all_maps, observation_modalities=("game_state",))
        out = [env.reset(seed=seed)[1]["level"]]
        out += [env.reset()[1]["level"] for _ in range(7)]
        return out

    assert names(3) == names(3)
    assert len(set(names(3))) > 1
    assert EnvConfig(level_sampling="sequential").level_sampling == "sequential"


def test_render_and_vec_images(simple_walk):
    from npp_rl.envs.vec_env import NppVecEnv

    env = NppEnv([simple_walk], observation_modalities=("game_state",), render_mode="rgb_array")
    env.reset()
    img = env.render()
    assert img.shape == (400, 704, 3) and img.dtype == np.uint8 and img.max() == 255
    venv = NppVecEnv([simple_walk], 2, EnvConfig(observation_modalities=("game_state",)))
    venv.reset()
    ims = venv.get_images()
    assert len(ims) == 2 and ims[0].shape == (100, 176, 3)

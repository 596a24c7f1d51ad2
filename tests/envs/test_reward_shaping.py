"""Potential-based shaping with Phi(terminal) = 0: it cannot teach dying.

* along any terminated episode (win or death) the discounted shaping sums to -Phi(s0), wherever it ends;
* a truncated episode keeps the real Phi (PPO bootstraps there);
* progress followed by death never returns more than standing still until the frame budget.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from npp_rl.envs import NppEnv
from npp_rl.envs.config import EnvConfig, RewardConfig
from npp_rl.envs.reward import potential, shaping_gamma, step_reward
from npp_rl.models import architecture_names
from npp_rl.training.config import load_env_recipe, load_hyperparams

BYTE_TO_ACTION = {0: 0, 1: 3, 2: 2, 3: 5, 4: 1, 5: 4, 6: 1, 7: 4}  # input byte -> env action (as in test_env)

SHAPING_ONLY = dict(win=0.0, death=0.0, switch=0.0, time_per_frame=0.0)


def _episode(cfg, phis, end, frames_per_step=4):
    """Rewards of a synthetic episode through ``phis`` (Phi of s_0..s_T) ending in ``end``."""
    T = len(phis) - 1
    won = np.zeros(T, bool)
    died = np.zeros(T, bool)
    if end == "win":
        won[-1] = True
    elif end == "death":
        died[-1] = True
    return np.concatenate([step_reward(cfg, won[t:t + 1], died[t:t + 1], [False], [0], [frames_per_step],
                                       [phis[t]], [phis[t + 1]]) for t in range(T)])


@pytest.mark.parametrize("gamma", [0.9, 0.99, 0.999])
@pytest.mark.parametrize("end", ["win", "death"])
def test_terminated_episode_shaping_sums_to_minus_phi0(gamma, end):
    cfg = RewardConfig(gamma=gamma, shaping_weight=1.5, **SHAPING_ONLY)
    rng = np.random.default_rng(7)
    for _ in range(50):
        T = int(rng.integers(1, 400))
        phis = rng.uniform(0, 1.5, T + 1)
        r = _episode(cfg, phis, end)
        disc = gamma ** np.arange(T)
        assert float((disc * r).sum()) == pytest.approx(-phis[0], abs=1e-9)


def test_truncation_keeps_the_real_potential():
    cfg = RewardConfig(gamma=0.99, **SHAPING_ONLY)
    phis = np.linspace(0.0, 0.8, 11)
    r = _episode(cfg, phis, "truncated")
    disc = 0.99 ** np.arange(10)
    assert float((disc * r).sum()) == pytest.approx(0.99**10 * phis[-1] - phis[0], abs=1e-9)


@pytest.mark.parametrize("gamma", [0.95, 0.99, 0.999])
def test_progress_then_death_never_beats_standing_still(gamma):
    """Default terms: any path of progress that ends in death returns less (discounted and undiscounted)
    than standing at the spawn until the longest frame budget, wherever the death happens."""
    cfg = RewardConfig(gamma=gamma)
    budget_steps = EnvConfig().max_episode_frames // EnvConfig().frame_skip
    rng = np.random.default_rng(3)
    L = 500.0
    phi0 = float(potential([L], [L], cfg)[0])
    still = _episode(cfg, np.full(budget_steps + 1, phi0), "truncated")
    for _ in range(200):
        T = int(rng.integers(1, budget_steps))
        remaining = np.concatenate([[L], L * (1 - np.sort(rng.uniform(0, 0.999, T)))])  # progress to ~100 %
        phis = potential(remaining, np.full(T + 1, L), cfg)
        r = _episode(cfg, phis, "death")
        assert r.sum() < still.sum()
        # never more (a death thousands of steps away is discounted to ~0 on both sides: <= up to rounding)
        assert (gamma ** np.arange(T) * r).sum() <= (gamma ** np.arange(budget_steps) * still).sum() + 1e-12


def test_real_death_vs_standing_still(shared_reference, maps_dir):
    """In the simulator: the reference minefield trace dies on a mine; its return (discounted with the
    agent's gamma and plain) is below standing still to the budget; its shaping alone sums to -Phi(s0)."""
    rows = (shared_reference / "traces" / "map_minefield.csv").read_text().splitlines()[2:]
    inputs = [int(r.split(",")[1]) for r in rows]
    gamma = 0.99

    def play(actions, cfg):
        env = NppEnv([maps_dir / "minefield"], observation_modalities=("game_state",), reward=cfg, frame_skip=1)
        env.reset()
        phi0, rs, phis = env.batch.phi[0], [], []
        for a in actions:
            _, r, term, trunc, info = env.step(a)
            rs.append(r)
            phis.append(env.batch.phi[0])
            if term or trunc:
                return phi0, np.array(rs, np.float64), term, trunc, max(phis)
        raise AssertionError("episode did not end")

    acts = [BYTE_TO_ACTION[b & 7] for b in inputs] + [0] * 2000
    phi0, dead, term, _, best_phi = play(acts, RewardConfig(gamma=gamma))
    assert term and best_phi > 0.0
    _, still, term_s, trunc_s, _ = play([0] * 6000, RewardConfig(gamma=gamma))
    assert trunc_s and not term_s
    assert dead.sum() < still.sum()
    assert (gamma ** np.arange(len(dead)) * dead).sum() < (gamma ** np.arange(len(still)) * still).sum()
    _, shaped, *_ = play(acts, RewardConfig(gamma=gamma, **SHAPING_ONLY))
    assert (gamma ** np.arange(len(shaped)) * shaped).sum() == pytest.approx(-phi0, abs=1e-4)


def test_no_learner_means_undiscounted_shaping():
    assert RewardConfig().gamma is None and shaping_gamma(RewardConfig()) == 1.0
    assert shaping_gamma(RewardConfig(gamma=0.97)) == 0.97
    json.dumps(RewardConfig().__dict__)  # plain values


@pytest.mark.parametrize("arch", architecture_names())
def test_the_recipe_terms_never_make_dying_pay(arch):
    """The reward terms each architecture actually trains with (hyperparams.yaml's ``env: reward`` plus the
    recipe's PPO gamma): a death after any amount of progress, at any step, has a lower discounted return
    than standing at the spawn for ever (what PPO sees: until the frame budget, then the bootstrapped
    value of standing still). A recipe that lowers the death penalty below the discounted cost of time
    fails here."""
    gamma = load_hyperparams(arch).gamma
    env = load_env_recipe(arch)
    cfg = RewardConfig(**env.get("reward", {}), gamma=gamma)
    fs = env.get("frame_skip", EnvConfig().frame_skip)
    horizon = int(np.ceil(np.log(1e-9) / np.log(gamma)))  # steps until gamma^t < 1e-9: "for ever"
    L = 500.0
    phi0 = float(potential([L], [L], cfg)[0])
    still = _episode(cfg, np.full(horizon + 1, phi0), "truncated", fs)
    still_return = float((gamma ** np.arange(horizon) * still).sum())
    rng = np.random.default_rng(5)
    for T in sorted({1, 2, 10, horizon // 2, *rng.integers(1, horizon // 4, 30).tolist()}):
        remaining = np.concatenate([[L], L * (1 - np.sort(rng.uniform(0, 0.999, T)))])
        r = _episode(cfg, potential(remaining, np.full(T + 1, L), cfg), "death", fs)
        assert (gamma ** np.arange(T) * r).sum() < still_return, (arch, T)

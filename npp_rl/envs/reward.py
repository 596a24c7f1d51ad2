"""Reward: terminal terms, switch, gold, a time cost and potential-based shaping.

Per env step (``frames`` simulated frames)::

    r = win * won + death * died + switch * switch_hit + gold * gold_collected
        + time_per_frame * frames + [shaping] gamma * Phi(s') - Phi(s)

with the potential ``Phi(s) = shaping_weight * max(0, 1 - R(s) / L)``. ``R(s)`` is the remaining geodesic path:
before the exit switch is hit, the distance from the ninja to the switch plus the switch-to-exit
distance; after it, the distance to the exit door. Both come from per-level distance fields
(:mod:`npp_rl.levels.geodesic`, Dijkstra on the 6-px free-space grid, computed once per level).
Because R is continuous when the switch is hit, the potential has no jump there. ``L`` is the
spawn -> switch -> exit path length of the level (at least 100 px), so Phi is about 0 at the spawn and
``shaping_weight`` at the exit whatever the level's size.

**Terminal states have Phi = 0** (a win and a death alike; Ng et al. 1999): along any *terminated*
episode the discounted shaping sums to ``sum_t gamma^t F_t = -Phi(s_0)`` wherever and however it ends,
so the shaping cannot make dying after some progress worth more than not moving: progress paid on the
way is taken back on the death step. The terminal rewards (win, death) alone say what is wanted.
A *truncation* (the frame budget ran out) is not a terminal state: there the real Phi(s') is used, and
PPO bootstraps the value of s'. The discount ``gamma`` must be the agent's: the trainer sets
``RewardConfig.gamma`` from the PPO gamma of the resolved hyperparameters; without a learner
(``gamma=None``: evaluation, scripted play) the shaping is undiscounted, so it still telescopes.

Phi is kept non-negative: with gamma < 1 each non-terminal step carries the drift (gamma - 1) * Phi(s'),
which is <= 0 here, so standing still never earns reward.
"""

from __future__ import annotations

import numpy as np

from .config import RewardConfig


def shaping_gamma(cfg: RewardConfig) -> float:
    """The discount of the shaping term: the agent's gamma, or 1.0 where none was given."""
    return 1.0 if cfg.gamma is None else float(cfg.gamma)


def potential(remaining: np.ndarray, path_length: np.ndarray, cfg: RewardConfig) -> np.ndarray:
    """Phi for remaining geodesic path(s) ``remaining`` in px (non-terminal states)."""
    frac = np.asarray(remaining, dtype=np.float64) / np.asarray(path_length)
    return cfg.shaping_weight * np.maximum(0.0, 1.0 - frac)


def terminal_potential(phi_next: np.ndarray, terminated: np.ndarray) -> np.ndarray:
    """Phi(s') with the convention Phi(terminal) = 0 (win or death; not truncation)."""
    return np.where(np.asarray(terminated, bool), 0.0, np.asarray(phi_next, np.float64))


def step_reward(cfg: RewardConfig, won, died, switch_hit, gold_new, frames, phi_prev, phi_next) -> np.ndarray:
    """Vectorised reward for one env step of many worlds (all arguments arrays of the same length).

    ``phi_next`` is Phi of the state reached; on a win or death it is replaced by 0 here."""
    won = np.asarray(won, bool)
    died = np.asarray(died, bool)
    r = (cfg.win * won + cfg.death * died
         + cfg.switch * np.asarray(switch_hit, np.float64) + cfg.gold * np.asarray(gold_new, np.float64)
         + cfg.time_per_frame * np.asarray(frames, np.float64))
    if cfg.shaping:
        r = r + shaping_gamma(cfg) * terminal_potential(phi_next, won | died) - np.asarray(phi_prev, np.float64)
    return r

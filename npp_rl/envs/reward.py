"""Reward: terminal terms, switch, gold, a time cost and potential-based shaping.

Per env step (``frames`` simulated frames)::

    r = win * won + death * died + switch * switch_hit + gold * gold_collected
        + time_per_frame * frames + [shaping] gamma * Phi(s') - Phi(s)

with the potential ``Phi(s) = shaping_weight * max(0, 1 - R(s) / L)``. ``R(s)`` is the remaining geodesic path:
before the exit switch is hit, the distance from the ninja to the switch plus the switch-to-exit
distance; after it, the distance to the exit door. Both come from per-level distance fields
(:mod:`npp_rl.envs.geodesic`, Dijkstra on the 6-px free-space grid, computed once per level).
Because R is continuous when the switch is hit, the potential has no jump there. ``L`` is the
spawn -> switch -> exit path length of the level (at least 100 px), so Phi is about 0 at the spawn and
``shaping_weight`` at the exit whatever the level's size.

Phi is kept non-negative on purpose: with gamma < 1 each step carries the drift (gamma - 1) * Phi(s'),
which is <= 0 here, so standing still never earns reward. (A negative potential such as -R/L makes
that drift positive, and long failed episodes then out-earn short wins: measured 4.3 vs 2.3-2.8.)

The shaping term uses the real Phi of the last state on every step, terminal steps included
(no Phi = 0 convention, which would pay the agent for dying far from the goal), so along any episode
sum_t gamma^t F_t = gamma^T Phi(s_T) - Phi(s_0) (telescoping; tested). With gamma equal to the agent's
discount the shaping leaves the optimal policy unchanged (Ng et al. 1999) except through the terminal
state's potential, which is at most ``shaping_weight`` in size.
"""

from __future__ import annotations

import numpy as np

from .config import RewardConfig


def potential(remaining: np.ndarray, path_length: np.ndarray, cfg: RewardConfig) -> np.ndarray:
    """Phi for remaining geodesic path(s) ``remaining`` in px."""
    frac = np.asarray(remaining, dtype=np.float64) / np.asarray(path_length)
    return cfg.shaping_weight * np.maximum(0.0, 1.0 - frac)


def step_reward(cfg: RewardConfig, won, died, switch_hit, gold_new, frames, phi_prev, phi_next) -> np.ndarray:
    """Vectorised reward for one env step of many worlds (all arguments arrays of the same length)."""
    r = (cfg.win * np.asarray(won, np.float64) + cfg.death * np.asarray(died, np.float64)
         + cfg.switch * np.asarray(switch_hit, np.float64) + cfg.gold * np.asarray(gold_new, np.float64)
         + cfg.time_per_frame * np.asarray(frames, np.float64))
    if cfg.shaping:
        r = r + cfg.gamma * phi_next - phi_prev
    return r

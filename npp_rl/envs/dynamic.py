"""Per-step quantities shared by the observation builders and the reward, batched over worlds.

Inputs are the batched simulator's arrays (``ninja`` (N, NINJA_FIELDS), ``entities``
(N, max_entities, ENTITY_FIELDS), ``n_entities`` (N,)) and the per-world static slots of
:class:`npp_rl.envs.slots.WorldSlots`.
"""

from __future__ import annotations

from numba import njit

from npp_rl.levels.geodesic import descent_direction, sample
from npp_rl.sim.core import E_ACTIVE, E_STATE, E_TYPE, N_X, N_Y

from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)

ensure_fresh()

# columns of the goal-info array
G_SWITCH_DONE, G_GX, G_GY, G_REMAIN, G_GEO, G_DIRX, G_DIRY, G_HAS_GOAL, G_K = range(9)
GOAL_FIELDS = 9


@njit(cache=True)
def goal_info(ws, nin, ent, n_ent, fields, g_n, g_rows, g_kind, g_xy, g_rest, out):
    """For the worlds ``ws``, fill ``out`` (len(ws), GOAL_FIELDS): exit switch hit (0/1); the current
    goal of the level's plan (:mod:`npp_rl.envs.static`: the first goal not reached yet) and its
    position; the remaining plan length (distance to the current goal + the later legs); the geodesic
    distance to the current goal; the first step of the geodesic path to it (unit vector); whether the
    level has a goal; the current goal's index."""
    for q in range(ws.shape[0]):
        w = ws[q]
        x = nin[w, N_X]
        y = nin[w, N_Y]
        done = False
        for e in range(n_ent[w]):
            if ent[w, e, E_TYPE] == 4.0 and ent[w, e, E_ACTIVE] == 0.0:
                done = True
        n = g_n[w]
        k = 0
        while k < n - 1:
            r = g_rows[w, k]
            kind = g_kind[w, k]
            if kind == 0 and ent[w, r, E_ACTIVE] != 0.0:
                break
            if kind == 2 and ent[w, r, E_STATE] != 0.0:
                break
            if kind == 1:
                break
            k += 1
        out[q, G_SWITCH_DONE] = 1.0 if done else 0.0
        out[q, G_K] = k
        if n == 0:
            out[q, G_GX] = x
            out[q, G_GY] = y
            out[q, G_REMAIN] = 0.0
            out[q, G_GEO] = 0.0
            out[q, G_DIRX] = 0.0
            out[q, G_DIRY] = 0.0
            out[q, G_HAS_GOAL] = 0.0
            continue
        f = fields[w, k]
        geo = sample(f, x, y)
        dx, dy = descent_direction(f, x, y)
        out[q, G_GX] = g_xy[w, k, 0]
        out[q, G_GY] = g_xy[w, k, 1]
        out[q, G_REMAIN] = geo + g_rest[w, k]
        out[q, G_GEO] = geo
        out[q, G_DIRX] = dx
        out[q, G_DIRY] = dy
        out[q, G_HAS_GOAL] = 1.0

"""Per-step quantities shared by the observation builders and the reward, batched over worlds.

Inputs are the batched simulator's arrays (``ninja`` (N, NINJA_FIELDS), ``entities``
(N, max_entities, ENTITY_FIELDS), ``n_entities`` (N,)) and the per-world static slots of
:class:`npp_rl.envs.slots.WorldSlots`.
"""

from __future__ import annotations

from numba import njit

from npp_rl.sim.core import E_ACTIVE, E_STATE, E_TYPE, E_X, E_Y, N_X, N_Y

from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from .geodesic import descent_direction, sample

ensure_fresh()

# columns of the goal-info array
G_SWITCH_DONE, G_GX, G_GY, G_REMAIN, G_GEO, G_DIRX, G_DIRY, G_HAS_GOAL = range(8)
GOAL_FIELDS = 8


@njit(cache=True)
def goal_info(ws, nin, ent, n_ent, dist, l_se, out):
    """For the worlds ``ws``, fill ``out`` (len(ws), GOAL_FIELDS): switch done (0/1), current goal position, remaining geodesic path
    length (to the switch plus switch->exit before the switch, to the exit after), geodesic distance to
    the current goal, first step of the geodesic path (unit vector), and whether the level has a goal."""
    for q in range(ws.shape[0]):
        w = ws[q]
        x = nin[w, N_X]
        y = nin[w, N_Y]
        done = False
        has_switch = False
        for e in range(n_ent[w]):
            if ent[w, e, E_TYPE] == 4.0:
                has_switch = True
                if ent[w, e, E_ACTIVE] == 0.0:
                    done = True
        best = 1e18
        gx = x
        gy = y
        want = 3.0 if done else 4.0
        for e in range(n_ent[w]):
            t = ent[w, e, E_TYPE]
            if t != want:
                continue
            if want == 4.0 and ent[w, e, E_ACTIVE] == 0.0:
                continue
            if want == 3.0 and ent[w, e, E_STATE] == 0.0:
                continue  # a door whose switch is not hit
            d = (ent[w, e, E_X] - x) ** 2 + (ent[w, e, E_Y] - y) ** 2
            if d < best:
                best = d
                gx = ent[w, e, E_X]
                gy = ent[w, e, E_Y]
        f = dist[w, 1] if done else dist[w, 0]
        geo = sample(f, x, y)
        dx, dy = descent_direction(f, x, y)
        out[q, G_SWITCH_DONE] = 1.0 if done else 0.0
        out[q, G_GX] = gx
        out[q, G_GY] = gy
        out[q, G_REMAIN] = geo if done else geo + l_se[w]
        out[q, G_GEO] = geo
        out[q, G_DIRX] = dx
        out[q, G_DIRY] = dy
        out[q, G_HAS_GOAL] = 1.0 if (has_switch and best < 1e17) else 0.0

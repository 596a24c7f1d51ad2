"""The per-world entity grid: 24-px cells holding linked lists of entity rows (grid order).

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

from numba import njit

from npp_rl.sim.collision import clampi
from npp_rl.sim.constants import E_ACTIVE, E_CX, E_CY, E_NEXT, E_PREV, E_SEQ, E_X, E_Y, N_SEQ


@njit(cache=True)
def grid_append(ent, grid, e, c):
    """Append entity e at the end of cell c's list (grid[0] heads, grid[1] tails, per 24-px cell)."""
    tail = grid[1, c]
    ent[e, E_PREV] = tail
    ent[e, E_NEXT] = -1
    if tail < 0:
        grid[0, c] = e
    else:
        ent[tail, E_NEXT] = e
    grid[1, c] = e

@njit(cache=True)
def _grid_remove(ent, grid, e, c):
    p = int(ent[e, E_PREV])
    n = int(ent[e, E_NEXT])
    if p < 0:
        grid[0, c] = n
    else:
        ent[p, E_NEXT] = n
    if n < 0:
        grid[1, c] = p
    else:
        ent[n, E_PREV] = p

@njit(cache=True)
def grid_move(nin, ent, grid, e):
    """An entity whose centre changed cell leaves its old cell's list and joins the end of the new one."""
    cx = clampi(math.floor(ent[e, E_X] / 24), 0, 43)
    cy = clampi(math.floor(ent[e, E_Y] / 24), 0, 24)
    if cx != ent[e, E_CX] or cy != ent[e, E_CY]:
        _grid_remove(ent, grid, e, int(ent[e, E_CX]) * 25 + int(ent[e, E_CY]))
        ent[e, E_CX] = cx
        ent[e, E_CY] = cy
        ent[e, E_SEQ] = nin[N_SEQ]
        nin[N_SEQ] += 1
        grid_append(ent, grid, e, cx * 25 + cy)

@njit(cache=True)
def gather_entities(ent, grid, x, y, out):
    """Active entities in the 3x3 cells around (x, y): cells x-major, each cell in list (insertion) order."""
    cx = clampi(math.floor(x / 24), 0, 43)
    cy = clampi(math.floor(y / 24), 0, 24)
    x0 = cx - 1 if cx - 1 > 0 else 0
    x1 = cx + 1 if cx + 1 < 43 else 43
    y0 = cy - 1 if cy - 1 > 0 else 0
    y1 = cy + 1 if cy + 1 < 24 else 24
    n = 0
    for gx in range(x0, x1 + 1):
        for gy in range(y0, y1 + 1):
            e = grid[0, gx * 25 + gy]
            while e >= 0:
                if ent[e, E_ACTIVE] != 0.0:
                    out[n] = e
                    n += 1
                e = int(ent[e, E_NEXT])
    return n
